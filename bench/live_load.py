#!/usr/bin/env python3
"""The control plane under load while a stream is live (issue 11): the daemon with the REAL worker
(faster-whisper) transcribing a long espeak-ng speech file at real time, and meanwhile GET
/v1/health and /v1/control/status hammered at 1, 16 and 64 keep-alive connections, 10 s each —
wrk over TCP, bench/unix_load.cc (build/bench_http_load) over the Unix socket and, for the same
tool on both transports, over TCP too. Afterwards the stream must have lost no frame.

    .venv/bin/python bench/live_load.py [--daemon build/voice-sidecar] [--client build/bench_http_load]

Each series (one daemon per transport) starts only once the 1-minute load average is below 1.5
(polled every 15 s, at most 15 min; then it runs anyway and says so). Prints one JSON object;
the numbers go to docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from http_load import REPO, cpu_seconds, load_daemon, wrk

sys.path.insert(0, str(REPO / "tests" / "integration"))
from harness import Daemon, speech_samples, write_wav  # noqa: E402
from test_audio_realworker import SENTENCES as REALWORKER_SENTENCES  # noqa: E402

SENTENCES = REALWORKER_SENTENCES[:8]
PATHS = ("/v1/health", "/v1/control/status")
CONNECTIONS = (1, 16, 64)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def wait_quiet(below: float = 1.5, poll_s: float = 15, limit_s: float = 900) -> dict:
    t0 = time.monotonic()
    first = loadavg()
    while os.getloadavg()[0] >= below and time.monotonic() - t0 < limit_s:
        time.sleep(poll_s)
    return {"load_at_first_look": first, "waited_s": round(time.monotonic() - t0),
            "quiet": os.getloadavg()[0] < below, "load_before": loadavg()}


def speech_wav(workdir: Path, seconds: float) -> tuple[Path, float]:
    pcm, _ = speech_samples(SENTENCES, workdir, [0.3, 0.5, 0.8], lead_s=0.5, tail_s=1.0)
    import numpy as np
    reps = int(seconds * 16000 // len(pcm)) + 1
    pcm = np.tile(pcm, reps)[:int(seconds * 16000)]
    return write_wav(workdir / "speech.wav", pcm), len(pcm) / 16000


def client(binary: str, target: list[str], path: str, connections: int, seconds: int) -> dict:
    out = subprocess.run([binary, *target, "--path", path, "--connections", str(connections),
                          "--seconds", str(seconds), "--threads", str(min(2, connections))],
                         capture_output=True, text=True, check=True).stdout
    r = json.loads(out)
    return {"connections": connections, "requests_per_s": round(r["requests_per_s"]), "requests": r["requests"],
            "latency_ms": {k: r["latency_ms"][k] for k in ("p50", "p90", "p99", "max")},
            "latency_ms_as_wrk": r["latency_ms_as_wrk"],
            "non_2xx": r["errors"]["non_200"],
            "socket_errors": {k: r["errors"][k] for k in ("connect", "read", "write")}}


def metric(text: str, name: str) -> float:
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(m.group(1)) if m else float("nan")


class Sampler(threading.Thread):
    """The recording's ring occupancy, once a second on its own connection (1 request/s beside
    the load): how close the stream came to losing audio."""

    def __init__(self, d: Daemon) -> None:
        super().__init__(daemon=True)
        self.d, self.done, self.max_occupancy = d, threading.Event(), 0.0

    def run(self) -> None:
        while not self.done.wait(1.0):
            try:
                rec = self.d.request("GET", "/v1/control/status", timeout=10)[1]["recording"]
            except (OSError, ValueError):
                continue
            self.max_occupancy = max(self.max_occupancy, rec["occupancy"])


def proc_cpu(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:  # the worker was replaced
        return float("nan")


def series(args: argparse.Namespace, transport: str, wav: Path, workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    quiet = wait_quiet(args.quiet_below)
    sock = str(workdir / "sidecar.sock") if transport == "unix" else None
    d = load_daemon(args.daemon, real_worker=True, unix=sock, log=str(workdir / f"daemon-{transport}.log"),
                    worker={"start_timeout_ms": 60000})
    try:
        code, body = d.request("POST", "/v1/control/start", timeout=90)
        assert code == 200, (code, body)
        worker_pid = d.request("GET", "/v1/control/status")[1]["worker"]["pid"]
        code, body = d.request("POST", "/v1/recording/start", {"source": "file", "path": str(wav), "realtime": True})
        assert code == 200, (code, body)
        time.sleep(2)  # the stream under way (the worker's first partials) before the load
        sampler = Sampler(d)
        sampler.start()
        runs = []
        tools = [("wrk", []), ("bench_http_load", ["--tcp", f"127.0.0.1:{d.port}"])] if sock is None \
            else [("bench_http_load", ["--unix", sock])]
        for tool, target in tools:
            for path in PATHS:
                for c in CONNECTIONS:
                    started = time.strftime("%H:%M:%S")
                    cpu0, wcpu0, t0 = cpu_seconds(d.proc.pid), proc_cpu(worker_pid), time.monotonic()
                    row = wrk(d.port, c, args.seconds, path) if tool == "wrk" \
                        else client(args.client, target, path, c, args.seconds)
                    wall = time.monotonic() - t0
                    cpu, wcpu = cpu_seconds(d.proc.pid) - cpu0, proc_cpu(worker_pid) - wcpu0
                    row.update(transport=transport, tool=tool, path=path, started=started, load_1m_after=loadavg()[0],
                               daemon_cpu_percent=round(100 * cpu / wall),
                               daemon_cpu_us_per_request=round(cpu * 1e6 / max(1, row["requests"]), 1),
                               worker_cpu_percent=round(100 * wcpu / wall))
                    print(json.dumps(row), file=sys.stderr, flush=True)
                    runs.append(row)
        sampler.done.set()
        sampler.join()
        _, status = d.request("GET", "/v1/control/status")
        live_to_the_end = status["recording"]["state"] == "recording"
        code, rec = d.request("POST", "/v1/recording/stop", timeout=60)
        assert code == 200, (code, rec)
        metrics = d.request("GET", "/v1/metrics")[1]
        _, status = d.request("GET", "/v1/control/status")
        return {
            "transport": transport, "quiet_wait": quiet, "load_after": loadavg(), "runs": runs,
            "stream": {"live_for_all_runs": live_to_the_end, "max_ring_occupancy": sampler.max_occupancy,
                       "recording": {k: rec.get(k) for k in ("state", "reason", "frames_captured", "frames_sent",
                                                              "frames_acked", "frames_rejected", "frames_replayed",
                                                              "frames_lost", "worker_frames_received")},
                       "metrics_frames_lost_total": metric(metrics, "voice_sidecar_audio_frames_lost_total"),
                       "worker": {k: status["worker"][k] for k in ("state", "pid", "restart_count", "crash_count",
                                                                    "health_failures")},
                       "same_worker": status["worker"]["pid"] == worker_pid},
        }
    finally:
        d.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", default=str(REPO / "build" / "voice-sidecar"))
    ap.add_argument("--client", default=str(REPO / "build" / "bench_http_load"))
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--speech-seconds", type=float, default=240, help="long enough to outlast the TCP series")
    ap.add_argument("--transports", default="tcp,unix")
    ap.add_argument("--quiet-below", type=float, default=1.5, help="1-minute load average to wait for")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="vs-live-load-"))
    wav, speech_s = speech_wav(workdir, args.speech_seconds)
    result = {"speech_seconds": speech_s, "series": [series(args, t, wav, workdir / t)
                                                    for t in args.transports.split(",")]}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
