#!/usr/bin/env python3
"""Where the Python worker's time goes per 10 ms frame when audio comes faster than real time
(the ceiling of bench/throughput.py with `--engine echo`). Times, in one thread, the per-frame
steps of worker/voice_worker on the same noise+tone audio, as the daemon writes it:

  parse      protocol.parse_line (json.loads + base64 decode + np.frombuffer)
  webrtcvad  webrtcvad.Vad.is_speech on the 10 ms chunk
  flatness   vad.spectral_flatness (the noise veto; only runs when webrtcvad says speech)
  segmenter  Segmenter.push (windows, pre-roll, events)
  ack        protocol.encode of an ack line (the heartbeat thread sends ~1 per 200 ms of audio
             when faster than real time, so this is an upper bound)

The worker runs the reader and the VAD stage as two threads sharing the GIL, so their costs
add up; the sum bounds frames/s. Run from the repo root:

    .venv/bin/python bench/worker_stages.py [--frames 60000]
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "worker"))
from voice_worker import protocol, vad  # noqa: E402
from voice_worker.segmenter import Segmenter, SegmenterConfig  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=60000)
    args = ap.parse_args()
    n = args.frames
    rng = np.random.default_rng(0)
    t = np.arange(n * 160) / 16000
    pcm = (rng.normal(0, 300, t.size) + 6000 * np.sin(2 * np.pi * 440 * t) * ((t // 2) % 2 == 0))
    pcm = pcm.clip(-32768, 32767).astype("<i2")
    lines = [json.dumps({"type": "audio_frame", "seq": k, "data": base64.b64encode(pcm[k * 160:(k + 1) * 160].tobytes()).decode(),
                         "sample_rate": 16000, "channels": 1}).encode() for k in range(n)]
    clf = vad.SpeechClassifier(2)
    webrtc = clf._vad  # noqa: SLF001
    seg = Segmenter(SegmenterConfig(), lambda: False)
    rech = vad.Rechunker()
    cost = dict.fromkeys(("parse", "webrtcvad", "flatness", "segmenter", "ack"), 0.0)
    flat_calls = 0
    clock = time.perf_counter
    t_all = clock()
    for k, line in enumerate(lines):
        t0 = clock()
        msg = protocol.parse_line(line)
        t1 = clock()
        (chunk,) = rech.push(msg.seq, msg.samples, t1)
        voiced = webrtc.is_speech(chunk.samples.tobytes(), 16000)
        t2 = clock()
        if voiced:
            voiced = vad.spectral_flatness(chunk.samples) < 0.35
            flat_calls += 1
        t3 = clock()
        seg.push(chunk, voiced)
        t4 = clock()
        protocol.encode(protocol.ack(k, k + 1))
        t5 = clock()
        cost["parse"] += t1 - t0
        cost["webrtcvad"] += t2 - t1
        cost["flatness"] += t3 - t2
        cost["segmenter"] += t4 - t3
        cost["ack"] += t5 - t4
    wall = clock() - t_all
    per = {k: round(v / n * 1e6, 1) for k, v in cost.items()}
    total = sum(cost.values()) / n
    print(json.dumps({"frames": n, "us_per_frame": per, "sum_us_per_frame": round(total * 1e6, 1),
                      "loop_us_per_frame": round(wall / n * 1e6, 1), "flatness_calls": flat_calls,
                      "ceiling_x_realtime": round(0.01 / total, 1)}))


if __name__ == "__main__":
    main()
