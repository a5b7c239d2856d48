#!/usr/bin/env python3
"""Shared pieces of the daemon benchmarks (bench/pipeline_overhead.py, throughput.py,
daemon_resources.py, daemon_latency.py): start `build/voice-sidecar serve` on a Unix socket,
talk raw HTTP/1.1 to it (no client library between the clock and the socket), stream PCM into
`POST /v1/audio` at real-time pace with a write timestamp per 10 ms frame, and tap `/v1/events`
from a *separate process* (so the reader never waits for the writer's GIL) that stamps every
event with CLOCK_MONOTONIC on arrival — the same clock `time.monotonic()` reads in the writer.

Run as `python bench/daemon_harness.py sse SOCKET OUT` it is that event tap: one line per event,
`<monotonic s>\\t<event>\\t<data json>`, until SIGTERM.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DAEMON = REPO / "build" / "voice-sidecar"
PY = sys.executable
TEST_WORKER = f"{PY} tests/fixtures/test_worker.py"
ECHO_WORKER = f"{PY} -m voice_worker --engine echo"
FRAME_BYTES = 320  # 10 ms of 16 kHz s16 mono


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Daemon:
    """`voice-sidecar serve --socket` with the given worker command (None: the bundled worker)."""

    def __init__(self, workdir: Path, worker: str | None, env: dict[str, str] | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.sock = str(workdir / "sidecar.sock")
        self.log_path = workdir / "daemon.log"
        e = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
        if worker:
            e["JARVIS_VOICE_SIDECAR_WORKER_COMMAND"] = worker
        self.proc = subprocess.Popen([str(DAEMON), "serve", "--socket", self.sock,
                                      "--set", "pressure.max_cpu_percent=100"],
                                     stdout=open(self.log_path, "wb"), stderr=subprocess.STDOUT,
                                     env=e, cwd=REPO)
        for _ in range(200):
            if os.path.exists(self.sock):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"daemon did not listen; log: {self.log_path.read_text()[-2000:]}")
        self.pid = self.proc.pid

    def request(self, method: str, path: str, body: Any = None, timeout: float = 180) -> tuple[int, Any]:
        return http_json(self.sock, method, path, body, timeout)

    def start_worker(self) -> None:
        code, body = self.request("POST", "/v1/control/start", {"reason": "bench"})
        if code != 200:
            raise RuntimeError(f"control/start: {code} {body}")

    def stream_audio(self, pcm: bytes, realtime: bool = True, frames_per_chunk: int = 1) -> tuple[list[float], Any]:
        """POST /v1/audio, chunked, one 10 ms frame per chunk written at its due time (real time)
        or as fast as the socket takes it. Returns (monotonic time after each frame's send, the
        reply: the recording object once the daemon flushed the worker)."""
        n = len(pcm) // FRAME_BYTES
        t_write = [0.0] * n
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.sock)
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
            code, body = _read_response(s)
        if code != 200:
            raise RuntimeError(f"/v1/audio: {code} {body}")
        return t_write, body

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.request("POST", "/v1/control/stop", {"reason": "bench done"}, timeout=30)
            except OSError:
                pass
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def http_json(sock: str, method: str, path: str, body: Any = None, timeout: float = 180) -> tuple[int, Any]:
    """One request on its own connection to the daemon's Unix socket: (status, JSON or text)."""
    data = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(sock)
        s.sendall(head.encode() + b"\r\n" + data)
        return _read_response(s)


def _read_response(s: socket.socket) -> tuple[int, Any]:
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    code = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        out, rest = b"", body
        while rest:
            size_s, _, rest = rest.partition(b"\r\n")
            size = int(size_s, 16)
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2:]
        body = out
    try:
        return code, json.loads(body)
    except ValueError:
        return code, body.decode("utf-8", "replace")


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
