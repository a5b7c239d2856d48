#!/usr/bin/env python3
"""Concurrent OpenAI uploads (issue 17): K clients each send a 10 s WAV of espeak-ng speech to
`POST /v1/audio/transcriptions` through the official `openai` SDK at the same moment, against
the real daemon and the bundled worker (one tiny.en model), with audio.max_recordings = K.

Reported per K: the wall time until the last answer, audio seconds transcribed per wall second
(the goal: >= 10 with 8 uploads on this 2-core machine), each request's own time (p50/max), and
how many answers were not 200.

    .venv/bin/python bench/openai_uploads.py [--counts 1,2,4,8] [--seconds 10]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import openai

from daemon_harness import Daemon, bench_config, loadavg
from daemon_harness import write_wav  # noqa: F401 (the harness's, re-exported below)
from user_latency import RATE, build_stream


def speech_wav(path: Path, seconds: float, first: int) -> Path:
    pcm, _ = build_stream(3, seed=7 + first, noise_rms=30.0, first=first)
    n = int(seconds * RATE)
    pcm = np.concatenate([pcm, np.zeros(max(0, n - len(pcm)), np.int16)])[:n]
    return write_wav(path, pcm)


def run(k: int, wavs: list[Path], seconds: float, workdir: Path) -> dict:
    # TCP, which the SDK speaks; the bundled worker.
    config = bench_config(workdir, "tcp", None, audio={"max_recordings": k})
    d = Daemon(config=config, workdir=workdir, env={"HF_HUB_OFFLINE": "1"}, log_file=workdir / "daemon.log").start()
    try:
        assert d.post("/v1/control/start", timeout=180).status_code == 200
        sdk = openai.OpenAI(base_url=d.base_url + "/v1", api_key="unused", timeout=300, max_retries=0)
        times: list[float] = [0.0] * k
        errors: list[str] = []
        start = threading.Barrier(k)

        def one(i: int) -> None:
            start.wait()
            t0 = time.monotonic()
            try:
                sdk.audio.transcriptions.create(model="whisper-1", file=wavs[i].open("rb"))
            except Exception as exc:  # noqa: BLE001 - counted
                errors.append(repr(exc))
            times[i] = time.monotonic() - t0

        threads = [threading.Thread(target=one, args=(i,)) for i in range(k)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
    finally:
        d.stop()
    return {"uploads": k, "wall_s": round(wall, 2), "audio_s_per_wall_s": round(k * seconds / wall, 2),
            "request_s": {"p50": round(float(np.median(times)), 2), "max": round(max(times), 2)},
            "errors": errors, "loadavg_after": loadavg()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", default="1,2,4,8")
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    with tempfile.TemporaryDirectory(prefix="vs-oai-") as tmp:
        wavs = [speech_wav(Path(tmp) / f"u{i}.wav", args.seconds, first=3 * i) for i in range(max(counts))]
        for k in counts:
            workdir = Path(tmp) / f"k{k}"
            workdir.mkdir()
            print(json.dumps(run(k, wavs, args.seconds, workdir)), flush=True)


if __name__ == "__main__":
    main()
