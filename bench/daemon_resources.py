#!/usr/bin/env python3
"""The daemon's own CPU and memory (by the daemon's PID, not the worker's) while it streams one
real-time recording: a 60 s speech WAV (the espeak-ng sentences of bench/user_latency.py, with
pauses and light noise) through POST /v1/recording/start {"source":"file","realtime":true} into
the real worker (tiny.en), with one /v1/events subscriber reading everything.

  cpu_pct   (utime+stime delta from /proc/PID/stat) / wall time, in % of one core; also for an
            idle window (worker running, no recording) and per daemon thread (/proc/PID/task),
            with each thread's context switches per second (a 1 ms poll loop shows ~1,000/s)
  rss       VmRSS sampled every 0.5 s, VmHWM (peak), RssAnon/RssFile, thread count, and the
            largest mappings of /proc/PID/smaps (what holds the memory)

    .venv/bin/python bench/daemon_resources.py [--seconds 60] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

from daemon_harness import EventTap, bench_daemon, loadavg
from user_latency import build_stream

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int, task: str | None = None) -> float:
    path = f"/proc/{pid}/task/{task}/stat" if task else f"/proc/{pid}/stat"
    fields = open(path).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def thread_cpu(pid: int) -> dict[str, tuple[float, int]]:
    """tid:name -> (CPU seconds, context switches): a thread that polls shows ~1,000 switches/s."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            sw = sum(int(line.split()[1]) for line in open(f"/proc/{pid}/task/{tid}/status")
                     if line.startswith(("voluntary_ctxt", "nonvoluntary_ctxt")))
            out[f"{tid}:{name}"] = (cpu_s(pid, tid), sw)
        except OSError:
            pass
    return out


def status(pid: int) -> dict[str, int]:
    keep = ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads", "VmSize")
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in keep:
            out[k] = int(v.split()[0])
    return out


def top_mappings(pid: int, n: int = 8) -> list[dict]:
    maps, cur = [], None
    for line in open(f"/proc/{pid}/smaps"):
        parts = line.split()
        if "-" in parts[0] and not parts[0].endswith(":"):
            cur = {"name": parts[5] if len(parts) > 5 else "[anon]", "size_kb": 0, "rss_kb": 0}
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            cur["size_kb"] = (hi - lo) // 1024
            maps.append(cur)
        elif parts[0] == "Rss:" and cur is not None:
            cur["rss_kb"] = int(parts[1])
    merged: dict[str, dict] = {}
    for m in maps:
        key = m["name"] if m["name"] != "[anon]" else f"[anon {m['size_kb']} kB]"
        e = merged.setdefault(key, {"mapping": key, "rss_kb": 0, "count": 0})
        e["rss_kb"] += m["rss_kb"]
        e["count"] += 1
    return sorted(merged.values(), key=lambda e: -e["rss_kb"])[:n]


def speech_wav(path: Path, seconds: float) -> None:
    audio, _ = build_stream(16, seed=1, noise_rms=60.0)
    n = int(seconds * 16000)
    audio = np.resize(audio, n) if len(audio) < n else audio[:n]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(audio.astype("<i2").tobytes())


def window(pid: int, seconds: float, until=None) -> dict:
    """CPU of the daemon over a window (fixed length, or until until() is true), RSS every 0.5 s."""
    rss, t0, c0, th0 = [], time.monotonic(), cpu_s(pid), thread_cpu(pid)
    while True:
        rss.append(status(pid)["VmRSS"])
        time.sleep(0.5)
        if (until and until()) or (not until and time.monotonic() - t0 >= seconds):
            break
    wall, used, th1 = time.monotonic() - t0, cpu_s(pid) - c0, thread_cpu(pid)
    per_thread = {k: {"cpu_pct": round((c - th0.get(k, (0.0, 0))[0]) / wall * 100, 3),
                      "switches_per_s": round((n - th0.get(k, (0.0, 0))[1]) / wall)}
                  for k, (c, n) in th1.items() if n > th0.get(k, (0.0, 0))[1]}
    return {"wall_s": round(wall, 1), "cpu_s": round(used, 2), "cpu_pct_of_core": round(used / wall * 100, 3),
            "rss_kb_min_max": [min(rss), max(rss)], "per_thread_cpu_pct": per_thread}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vs-resources-") as tmp:
        wav = Path(tmp) / "speech60.wav"
        speech_wav(wav, args.seconds)
        d = bench_daemon(Path(tmp) / "d", None)
        try:
            after_spawn = status(d.pid)
            d.start_worker()
            tap = EventTap(d.socket_path, Path(tmp) / "events.tsv")
            load = [loadavg()]
            idle = window(d.pid, 10)
            code, body = d.request("POST", "/v1/recording/start",
                                   {"source": "file", "path": str(wav), "realtime": True})
            assert code == 200, (code, body)
            done = threading.Event()

            def poll() -> None:
                while d.request("GET", "/v1/control/status")[1]["recording"]["state"] == "recording":
                    time.sleep(1)
                done.set()

            threading.Thread(target=poll, daemon=True).start()
            streaming = window(d.pid, 0, until=done.is_set)
            load.append(loadavg())
            st = status(d.pid)
            mappings = top_mappings(d.pid)
            rollup = open(f"/proc/{d.pid}/smaps_rollup").read().split("\n", 1)[1]
            events = tap.stop()
        finally:
            d.stop()
    stopped = [e for _, e in events if e["type"] == "recording_stopped"][-1]
    result = {"daemon_status_after_spawn_kb": after_spawn, "idle_worker_running_10s": idle,
              "streaming_realtime": streaming, "status_after_kb": st, "largest_mappings": mappings,
              "smaps_rollup": " ".join(rollup.split()), "events_seen": len(events),
              "recording": {k: stopped.get(k) for k in ("reason", "frames_sent", "frames_acked", "frames_lost")},
              "loadavg_before_after": load}
    print(json.dumps(result, indent=1 if args.json else None))


if __name__ == "__main__":
    main()
