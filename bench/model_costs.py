"""What each model costs, in-process through the worker's engine: CPU seconds per audio second of
finals (four espeak-ng sentences, and one 12 s utterance), RSS after loading and after the 12 s
utterance, and the CPU cost of one partial over a 2 s and a 6 s window.

    .venv/bin/python bench/model_costs.py tiny.en [THREADS]     # base, moonshine-base-en: make models

One JSON line on stdout. CPU seconds (time.process_time, every thread) are the figure to trust on
a busy machine; wall time is not reported.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "worker" / "tests"))
from worker_harness import concat, espeak, silence  # noqa: E402

from voice_worker.config import parse_config  # noqa: E402
from voice_worker.engines import DecodeOptions, load_engine  # noqa: E402

SENTENCES = ["Please send the quarterly report to the finance team before Friday afternoon.",
             "The weather today is sunny with a light breeze coming from the west.",
             "She opened the window and listened to the birds singing in the garden.",
             "We should schedule a meeting next week to discuss the new project timeline."]


def rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(name: str, threads: str) -> dict:
    rss_start = rss_mb()
    t0 = time.process_time()
    engine = load_engine(parse_config(["--model", name, "--cpu-threads", threads], {}))
    out: dict = {"model": name, "engine": engine.name, "threads": int(threads),
                 "load_cpu_s": round(time.process_time() - t0, 2), "rss_start_mb": round(rss_start),
                 "rss_after_load_mb": round(rss_mb())}
    options = DecodeOptions(language="en")

    def cost(audio: np.ndarray, final: bool, runs: int = 2) -> float:
        best = float("inf")
        for _ in range(runs):
            t = time.process_time()
            engine.transcribe(audio, final=final, options=options)
            best = min(best, time.process_time() - t)
        return best

    sentences = [espeak(s).astype(np.float32) / 32768 for s in SENTENCES]
    seconds = sum(len(a) for a in sentences) / 16000
    out["final_cpu_per_audio_s_sentences"] = round(sum(cost(a, True) for a in sentences) / seconds, 3)
    joined = concat([p for s in SENTENCES for p in (espeak(s), silence(0.15))]).astype(np.float32) / 32768
    twelve = joined[:12 * 16000]
    out["final_cpu_per_audio_s_12s"] = round(cost(twelve, True) / 12, 3)
    out["rss_after_12s_mb"] = round(rss_mb())
    out["partial_2s_cpu_s"] = round(cost(twelve[:2 * 16000], False, 3), 3)
    out["partial_6s_cpu_s"] = round(cost(twelve[:6 * 16000], False, 3), 3)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "1")))
