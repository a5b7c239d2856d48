#!/usr/bin/env python3
"""Several live streams through one daemon and one worker (issue 17): for N = 1, 2, 4, 8, 12 and
16, N concurrent `POST /v1/audio` uploads at real time, each of different espeak-ng speech with
pauses (bench/user_latency.py's sentences and voices, a different order per stream), through
the real daemon and the bundled worker (faster-whisper tiny.en, one model in memory).

Reported per N:
  last_word_to_final_ms   p50/p95 over every utterance of every stream: the wall time the frame
                          holding the utterance's last non-silent sample was written → its
                          final_text arrived on /v1/events (read by a separate process)
  partials_per_s          partial_text events per second, all streams together
  frames_lost             summed over the streams' recordings (each upload's answer)
  cpu_percent             the daemon's and the worker's CPU over the run (100 = one core)
  rss_mb                  the peak of daemon + worker resident memory, sampled every 0.5 s
  finals, utterances      finals matched to utterances / utterances spoken

    .venv/bin/python bench/streams.py [--counts 1,2,4,8] [--utterances 6] [--json]

Prints one JSON object per N (and a summary table); the numbers go to docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from daemon_harness import EventTap, bench_daemon, loadavg, stream_audio
from user_latency import FRAME, Utterance, build_stream


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class RssSampler(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peak_kb, self.done = pids, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            try:
                self.peak_kb = max(self.peak_kb, sum(rss_kb(p) for p in self.pids))
            except OSError:
                pass


def match_finals(utts: list[Utterance], t_write: list[float],
                 finals: list[tuple[float, dict[str, Any]]]) -> list[float]:
    """Latency (ms) of each utterance that got a final: the first final whose span reaches its
    last word (the VAD's pre-roll and padding allowed for)."""
    out = []
    used: set[int] = set()
    for u in utts:
        for i, (t, ev) in enumerate(finals):
            if i in used or not ev.get("text", "").strip():
                continue
            if ev["start_ms"] - 300 <= u.last_ms <= ev["end_ms"] + 300:
                used.add(i)
                out.append((t - t_write[min(u.last // FRAME, len(t_write) - 1)]) * 1000)
                break
    return out


def run_count(n: int, streams: list[tuple[np.ndarray, list[Utterance]]], workdir: Path) -> dict[str, Any]:
    d = bench_daemon(workdir, None, audio={"max_recordings": max(n, 1)})
    try:
        assert d.post("/v1/control/start", timeout=180).status_code == 200
        worker_pid = d.get("/v1/health").json()["worker"]["pid"]
        tap = EventTap(d.socket_path, workdir / f"events-{n}.tsv")
        pids = [d.proc.pid, worker_pid]
        ticks0 = [cpu_ticks(p) for p in pids]
        sampler = RssSampler(pids)
        sampler.start()
        results: list[Any] = [None] * n
        t0 = time.monotonic()

        def one(i: int) -> None:
            pcm, _ = streams[i]
            results[i] = stream_audio(d, pcm.tobytes(), realtime=True)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        ticks1 = [cpu_ticks(p) for p in pids]
        sampler.done.set()
        events = tap.stop()
    finally:
        d.stop()
    hz = 100  # USER_HZ
    latencies: list[float] = []
    finals_total = 0
    lost = 0
    for i in range(n):
        t_write, rec = results[i]
        lost += rec["frames_lost"]
        mine = [(t, ev) for t, ev in events if ev.get("recording") == rec["id"] and ev["type"] == "final_text"]
        finals_total += len(mine)
        latencies += match_finals(streams[i][1], t_write, mine)
    partials = sum(1 for _, ev in events if ev["type"] == "partial_text")
    utterances = sum(len(streams[i][1]) for i in range(n))
    return {
        "streams": n,
        "last_word_to_final_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                                  "max": percentile(latencies, 100)},
        "finals_matched": len(latencies), "utterances": utterances, "finals": finals_total,
        "partials_per_s": round(partials / wall, 2),
        "frames_lost": lost,
        "cpu_percent": {"daemon": round((ticks1[0] - ticks0[0]) / hz / wall * 100, 1),
                        "worker": round((ticks1[1] - ticks0[1]) / hz / wall * 100, 1)},
        "rss_mb": round(sampler.peak_kb / 1024, 1),
        "wall_s": round(wall, 1),
        "loadavg_after": loadavg(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", default="1,2,4,8,12,16")
    ap.add_argument("--utterances", type=int, default=6, help="sentences per stream")
    ap.add_argument("--json", action="store_true", help="only the JSON lines")
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    # Each stream its own sentences, voices, gains and pauses.
    streams = [build_stream(args.utterances, seed=100 + i, noise_rms=30.0, first=i * args.utterances)
               for i in range(max(counts))]
    rows = []
    with tempfile.TemporaryDirectory(prefix="vs-streams-") as tmp:
        for n in counts:
            workdir = Path(tmp) / f"n{n}"
            workdir.mkdir()
            row = run_count(n, streams, workdir)
            rows.append(row)
            print(json.dumps(row), flush=True)
    if not args.json:
        print("\nstreams  final p50/p95 ms  partials/s  lost  cpu daemon/worker %  rss MB")
        for r in rows:
            lat = r["last_word_to_final_ms"]
            print(f"{r['streams']:>7}  {lat['p50']!s:>7}/{lat['p95']!s:<8}  {r['partials_per_s']:>10}  "
                  f"{r['frames_lost']:>4}  {r['cpu_percent']['daemon']:>6}/{r['cpu_percent']['worker']:<6}  "
                  f"{r['rss_mb']:>6}")


if __name__ == "__main__":
    main()
