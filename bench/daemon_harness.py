"""The benchmarks' pieces on top of the shared daemon harness (tests/integration/harness.py):
a Daemon for a benchmark (bench/pipeline_overhead.py, throughput.py, daemon_resources.py,
daemon_latency.py, scripts/soak) on a Unix socket with the machine's real /proc; PCM streamed into
`POST /v1/audio` at real-time pace with a write timestamp per 10 ms frame, over a raw socket (no
client library between the clock and the socket); and `/v1/events` tapped by a *separate
process* (so the reader never waits for the writer's GIL) that stamps every event with
CLOCK_MONOTONIC on arrival — the same clock `time.monotonic()` reads in the writer.

Run as `python bench/daemon_harness.py sse SOCKET OUT` it is that event tap: one line per event,
`<monotonic s>\\t<event>\\t<data json>`, until SIGTERM.
"""
from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from harness import DAEMON, Daemon, bench_config, http_json, read_response, write_wav  # noqa: E402,F401

PY = sys.executable
TEST_WORKER = f"{PY} {REPO / 'tests' / 'fixtures' / 'test_worker.py'}"
ECHO_WORKER = f"{PY} -m voice_worker --engine echo"
FRAME_BYTES = 320  # 10 ms of 16 kHz s16 mono


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def bench_daemon(workdir: Path, worker: str | None, env: dict[str, str] | None = None,
                 binary: Path | None = None, **sections: dict) -> Daemon:
    """A started `serve` on workdir/run/sidecar.sock, its log in workdir/daemon.log, with the
    worker command line `worker` (None: the bundled worker) and more settings by section."""
    config = bench_config(workdir, "unix", shlex.split(worker) if worker else None, **sections)
    return Daemon(config=config, workdir=workdir, env={"HF_HUB_OFFLINE": "1", **(env or {})},
                  log_file=workdir / "daemon.log", binary=binary).start()


def stream_audio(d: Daemon, pcm: bytes, realtime: bool = True,
                 frames_per_chunk: int = 1) -> tuple[list[float], Any]:
    """POST /v1/audio, chunked, one 10 ms frame per chunk written at its due time (real time)
    or as fast as the socket takes it. Returns (monotonic time after each frame's send, the
    reply: the recording object once the daemon flushed the worker)."""
    n = len(pcm) // FRAME_BYTES
    t_write = [0.0] * n
    assert d.socket_path, "a bench daemon listens on a Unix socket"
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(d.socket_path)
        s.sendall(b"POST /v1/audio HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  b"Content-Type: audio/L16;rate=16000;channels=1\r\nTransfer-Encoding: chunked\r\n\r\n")
        step = FRAME_BYTES * frames_per_chunk
        t0 = time.monotonic()
        for k in range(0, n, frames_per_chunk):
            if realtime:
                delay = t0 + k * 0.01 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            chunk = pcm[k * FRAME_BYTES:k * FRAME_BYTES + step]
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            t = time.monotonic()
            for j in range(k, min(n, k + frames_per_chunk)):
                t_write[j] = t
        s.sendall(b"0\r\n\r\n")
        s.settimeout(300)
        code, body = read_response(s)
    if code != 200:
        raise RuntimeError(f"/v1/audio: {code} {body}")
    return t_write, body


class EventTap:
    """/v1/events read by a child process; events() parses what it wrote once it is stopped."""

    def __init__(self, sock: str, out: Path) -> None:
        self.out = out
        self.proc = subprocess.Popen([PY, __file__, "sse", sock, str(out)])
        for _ in range(100):  # the stream's ': voice-sidecar event stream' comment is written first
            if out.exists() and out.stat().st_size > 0:
                break
            time.sleep(0.02)

    def stop(self) -> list[tuple[float, dict[str, Any]]]:
        time.sleep(0.3)
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)
        events = []
        for line in self.out.read_text().splitlines():
            t, name, data = line.split("\t", 2)
            if name == "_open":
                continue
            ev = json.loads(data) if data else {}
            ev["type"] = name
            events.append((float(t), ev))
        return events


def _sse_main(sock_path: str, out_path: str) -> None:
    out = open(out_path, "w", buffering=1 << 20)

    def bye(*_: Any) -> None:
        out.close()
        os._exit(0)

    signal.signal(signal.SIGTERM, bye)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
    buf = b""
    name, data = "message", ""
    opened = False
    while True:
        chunk = s.recv(1 << 16)
        t = time.monotonic()
        if not chunk:
            bye()
        buf += chunk
        if not opened:
            if b"\r\n\r\n" not in buf:
                continue
            buf = buf.split(b"\r\n\r\n", 1)[1]
            opened = True
            out.write(f"{t}\t_open\t\n")
            out.flush()
        *lines, buf = buf.split(b"\n")
        for raw in lines:
            line = raw.decode().rstrip("\r")
            # The body may be chunked: chunk-size lines are hex numbers, never 'event:'/'data:'.
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and data:
                out.write(f"{t}\t{name}\t{data}\n")
                name, data = "message", ""


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "sse":
    _sse_main(sys.argv[2], sys.argv[3])
