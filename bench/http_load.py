#!/usr/bin/env python3
"""The control plane under load, from outside: wrk against GET /v1/health over TCP, and the
daemon's threads and RSS with many open event streams and many control calls in flight.

    .venv/bin/python bench/http_load.py [--daemon build/voice-sidecar] [--wrk-seconds 10]

Needs `wrk` (Debian package). Prints one JSON object; the numbers go to docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
sys.path.insert(0, str(REPO / "tests" / "integration"))
from harness import Daemon, bench_config, merge_config, test_worker_command  # noqa: E402


def proc_status(pid: int) -> dict:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"threads": int(fields["Threads"]), "rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
            "fds": len(os.listdir(f"/proc/{pid}/fd"))}


def load_daemon(binary: str, worker_args: str = "", *, real_worker: bool = False, unix: str | None = None,
                log: str | None = None, **sections: dict) -> Daemon:
    """The shared harness's Daemon, started: `serve` on a free TCP port, or on the Unix socket
    `unix`; the test worker (with `worker_args`), or the bundled real worker when
    `real_worker`; warnings only in the log (`log`: a file to keep it in); more settings by
    section."""
    workdir = Path(tempfile.mkdtemp(prefix="vs-load-"))
    worker = None if real_worker else test_worker_command(*worker_args.split())
    config = merge_config(bench_config(workdir, "tcp", worker, log={"level": "warn"}, **sections),
                          {"listen": {"network": "unix", "address": unix}} if unix else {})
    return Daemon(config=config, workdir=workdir, env={"HF_HUB_OFFLINE": "1"}, binary=Path(binary),
                  log_file=Path(log) if log else None).start()


def wrk_ms(v: str) -> float:
    """wrk's latency figures ("347.00us", "3.91ms", "1.02s") in ms."""
    num, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", v).groups()
    return float(num) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def wrk(port: int, connections: int, seconds: int, path: str = "/v1/health") -> dict:
    # wrk wants at least as many connections as threads.
    out = subprocess.run(["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s",
                          "--latency", f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"connections": connections, "requests_per_s": round(rps), "p50": lat.get("50"), "p99": lat.get("99"),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "latency_ms": {**{f"p{k}": round(wrk_ms(v), 3) for k, v in lat.items()},
                           "max": round(wrk_ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out).group(1)), 3)},
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": dict(zip(("connect", "read", "write", "timeout"), map(int, sock.groups()))) if sock else {}}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput(binary: str, seconds: int) -> list[dict]:
    d = load_daemon(binary)
    try:
        rows = []
        for c in (16, 64):
            before = cpu_seconds(d.proc.pid)
            row = wrk(d.port, c, seconds)
            used = cpu_seconds(d.proc.pid) - before
            row["daemon_cpu_us_per_request"] = round(used * 1e6 / (row["requests_per_s"] * seconds), 1)
            rows.append(row)
        return rows
    finally:
        d.stop()


def open_streams(port: int, n: int) -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        socks.append(s)
    return socks


def streams_footprint(binary: str, n: int) -> dict:
    d = load_daemon(binary)
    try:
        idle = proc_status(d.proc.pid)
        socks = open_streams(d.port, n)
        time.sleep(2)  # let the daemon take them all in (a footprint, not a timing)
        loaded = proc_status(d.proc.pid)
        health_ok = d.request("GET", "/v1/health")[0]
        control = d.request("POST", "/v1/control/start")[0]
        for s in socks:
            s.close()
        return {"streams": n, "idle": idle, "with_streams": loaded, "health": health_ok, "control_start": control}
    finally:
        d.stop()


def control_footprint(binary: str, n: int) -> dict:
    # A worker that takes 5 s to be ready: every start waits for it meanwhile.
    d = load_daemon(binary, "--ready-delay-ms 5000")
    try:
        idle = proc_status(d.proc.pid)
        codes: list[int] = []
        threads = [threading.Thread(target=lambda: codes.append(d.request("POST", "/v1/control/start")[0]))
                   for _ in range(n)]
        for t in threads:
            t.start()
        time.sleep(2)
        loaded = proc_status(d.proc.pid)
        for t in threads:
            t.join(60)
        return {"control_calls": n, "idle": idle, "in_flight": loaded,
                "answers": {str(c): codes.count(c) for c in sorted(set(codes))}}
    finally:
        d.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", default=str(REPO / "build" / "voice-sidecar"))
    ap.add_argument("--wrk-seconds", type=int, default=10)
    args = ap.parse_args()
    result = {
        "health_wrk_tcp": throughput(args.daemon, args.wrk_seconds),
        "sse_1000": streams_footprint(args.daemon, 1000),
        "control_256": control_footprint(args.daemon, 256),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
