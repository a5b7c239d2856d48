#!/usr/bin/env python3
"""Throughput with zero loss: how fast frames go from the ring through the pipe into a worker.

A generated WAV (white noise + a 440 Hz tone switching on and off every 2 s, 16 kHz mono,
--minutes long) is streamed as fast as the worker takes it, two ways:
  transcribe  `voice-sidecar transcribe --json FILE` (its own worker, no HTTP); its summary line
              gives rtf and frames_sent/acked/lost
  daemon      `serve` + POST /v1/recording/start {"source":"file","realtime":false}; timed from the
              request to the recording_stopped event on /v1/events (which carries frames_*)
with each worker: the real worker with `--engine echo` (VAD, segmenter, acks; no model) and
tests/fixtures/test_worker.py (json + base64 + one ack per frame), and bench/sink_worker.py (no
decoding, one cumulative ack per 100 frames: the daemon's own ceiling). Reported as frames/s
and x real time; frames_lost must be 0 and frames_acked == frames_sent.

    .venv/bin/python bench/throughput.py [--minutes 10] [--runs 2] [--workers echo,test,sink] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from daemon_harness import DAEMON, ECHO_WORKER, PY, REPO, TEST_WORKER, EventTap, bench_daemon, loadavg

WORKERS = {"echo": ECHO_WORKER, "test": TEST_WORKER,
           "sink": f"{PY} {Path(__file__).resolve().parent / 'sink_worker.py'} --every 100"}


def make_wav(path: Path, minutes: float) -> float:
    n = int(minutes * 60 * 16000)
    rng = np.random.default_rng(0)
    t = np.arange(n) / 16000
    tone = 6000 * np.sin(2 * np.pi * 440 * t) * ((t // 2) % 2 == 0)
    pcm = (rng.normal(0, 300, n) + tone).clip(-32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.tobytes())
    return n / 16000


def via_transcribe(wav: Path, worker: str, audio_s: float) -> dict:
    env = {**os.environ, "JARVIS_VOICE_SIDECAR_WORKER_COMMAND": worker}
    t0 = time.monotonic()
    out = subprocess.run([str(DAEMON), "transcribe", "--json", str(wav)], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=1800)
    wall = time.monotonic() - t0
    summary = json.loads([ln for ln in out.stdout.splitlines() if '"summary"' in ln][-1])
    # rtf = processing time / audio time as the command measures it (after its worker is ready)
    rtf = summary["rtf"]
    return {"wall_s_incl_worker_start": round(wall, 2), "rtf": rtf, "x_realtime": round(1 / rtf, 1),
            "frames_per_s": round(100 / rtf), **{k: summary[k] for k in
                                                            ("frames_sent", "frames_acked", "frames_lost")}}


def via_daemon(wav: Path, worker: str, audio_s: float, workdir: Path) -> dict:
    d = bench_daemon(workdir, worker)
    try:
        d.start_worker()
        tap = EventTap(d.socket_path, workdir / "events.tsv")
        t0 = time.monotonic()
        code, body = d.request("POST", "/v1/recording/start", {"source": "file", "path": str(wav),
                                                               "realtime": False})
        assert code == 200, (code, body)
        while True:
            time.sleep(0.05)
            code, st = d.request("GET", "/v1/control/status")
            if st["recording"]["state"] != "recording":
                break
        events = tap.stop()
    finally:
        d.stop()
    stopped = [(t, e) for t, e in events if e["type"] == "recording_stopped"][-1]
    wall = stopped[0] - t0
    rec = stopped[1]
    return {"wall_s": round(wall, 2), "x_realtime": round(audio_s / wall, 1), "frames_per_s": round(audio_s * 100 / wall),
            "reason": rec.get("reason"), **{k: rec.get(k) for k in ("frames_sent", "frames_acked", "frames_lost")}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--only", choices=["transcribe", "daemon"])
    ap.add_argument("--workers", default="echo,test,sink", help="comma-separated: echo, test, sink")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="vs-throughput-") as tmp:
        wav = Path(tmp) / "noise_tone.wav"
        audio_s = make_wav(wav, args.minutes)
        for i in range(args.runs):
            for wname in args.workers.split(","):
                worker = WORKERS[wname]
                for how in ("transcribe", "daemon"):
                    if args.only and how != args.only:
                        continue
                    before = loadavg()
                    r = via_transcribe(wav, worker, audio_s) if how == "transcribe" else \
                        via_daemon(wav, worker, audio_s, Path(tmp) / f"{how}-{wname}-{i}")
                    row = {"run": i, "how": how, "worker": wname, "audio_s": audio_s, **r,
                           "zero_loss": r["frames_lost"] == 0 and r["frames_acked"] == r["frames_sent"],
                           "loadavg_before": before, "loadavg_after": loadavg()}
                    rows.append(row)
                    if not args.json:
                        print(json.dumps(row), flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
