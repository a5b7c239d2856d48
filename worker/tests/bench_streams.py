"""N concurrent real-time streams through one real worker (protocol v2), one JSON line per N.

    cd worker/tests && ../../.venv/bin/python bench_streams.py 1 2 4 8

Each stream speaks three espeak-ng sentences with 1 s pauses, starting 0.1 s after the previous
stream (nearly aligned: the worst case for finals colliding). final_latency_ms is the worker's own
latency_ms (from the frame that ended the utterance to the final), so last word -> final adds the
segmenter's ~0.5 s end-of-speech wait. Not a test: a benchmark for docs/BENCHMARKS.md.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import MORE_SENTENCES, SENTENCES  # noqa: E402
from test_worker_streams import flush_line, frame_line, frames_of  # noqa: E402
from worker_harness import Worker, concat, espeak, percentile, silence, wer  # noqa: E402

ALL = SENTENCES + MORE_SENTENCES


def script(i: int) -> list[str]:
    return [ALL[(i + k) % len(ALL)] for k in range(3)]


def audio_for(i: int) -> np.ndarray:
    parts = [silence(0.3 + 0.1 * i)]
    for text in script(i):
        parts += [espeak(text), silence(1.0)]
    return concat(parts)


def run(n: int) -> dict:
    streams = {f"s{i}": frames_of(audio_for(i)) for i in range(n)}
    pings: dict[str, float] = {}
    with Worker() as w:
        t0 = time.monotonic()
        for i in range(max(map(len, streams.values()))):
            while time.monotonic() < t0 + i * 0.01:  # real time: one 10 ms frame per stream
                time.sleep(0.002)
            w.send_raw(b"".join(frame_line(s, i, f[i]) for s, f in streams.items() if i < len(f)))
            if i % 50 == 0:
                pings[f"p{i}"] = w.ping(f"p{i}")
        w.send_raw(b"".join(flush_line(s) for s in streams))
        for s in streams:
            w.wait_for(lambda e, s=s: e == {"type": "stream_closed", "stream": s}, 120)
        w.send({"type": "shutdown"})
        w.wait_exit(60)
        stats, events = w.stats(), w.events()
        pong_ms = [(s.t - pings[s.event["id"]]) * 1000 for s in w.seen if s.type == "pong"]
    finals = [e for e in events if e["type"] == "final_text" and e["text"]]
    latency = [e["latency_ms"] for e in finals]
    errors = [wer(" ".join(script(i)), " ".join(e["text"] for e in finals if e["stream"] == f"s{i}"))
              for i in range(n)]
    return {"streams": n, "finals": len(finals), "final_latency_ms_p50": round(percentile(latency, 50)),
            "p95": round(percentile(latency, 95)), "max": max(latency), "partials": stats["partials"],
            "partials_skipped": stats["partials_skipped_behind"], "stt_load": stats["stt_load"],
            "mean_wer": round(sum(errors) / n, 3), "pong_ms_max": round(max(pong_ms), 1)}


if __name__ == "__main__":
    for count in map(int, sys.argv[1:] or ["1", "2", "4", "8"]):
        print(json.dumps(run(count)), flush=True)
