"""Runs the real voice-sidecar binary for the integration tests, with real sockets and real
child processes, and waits for things with deadlines (never sleep-and-hope)."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx

REPO = Path(__file__).resolve().parents[2]
DAEMON = Path(os.environ.get("VS_DAEMON", REPO / "build" / "voice-sidecar"))
TEST_WORKER = REPO / "tests" / "fixtures" / "test_worker.py"
PYTHON = sys.executable


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.02) -> Any:
    """Polls `predicate` until it returns something truthy; fails the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_worker_command(*args: str) -> list[str]:
    return [PYTHON, str(TEST_WORKER), *args]


def write_pressure(root: Path, available_mb: float = 16000, total_mb: float = 24000,
                   cpu_busy: int = 100, cpu_idle: int = 900) -> None:
    """Writes /proc-like fixture files the gate reads (meminfo and stat)."""
    root.mkdir(parents=True, exist_ok=True)
    meminfo = (f"MemTotal:       {int(total_mb * 1024)} kB\n"
               f"MemFree:        {int(available_mb * 1024)} kB\n"
               f"MemAvailable:   {int(available_mb * 1024)} kB\n")
    stat = f"cpu  {cpu_busy} 0 0 {cpu_idle} 0 0 0 0 0 0\ncpu0 {cpu_busy} 0 0 {cpu_idle} 0 0 0 0 0 0\n"
    # Replace atomically so the daemon never reads half a file.
    for name, text in (("meminfo", meminfo), ("stat", stat)):
        tmp = root / f".{name}.tmp"
        tmp.write_text(text)
        tmp.replace(root / name)


def process_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def processes_with(marker: str) -> list[int]:
    """PIDs of live (non-zombie) processes whose command line contains `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline and process_alive(int(entry)):
            found.append(int(entry))
    return found


def zombie_children(parent: int) -> list[int]:
    zombies = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == parent:
            zombies.append(int(entry))
    return zombies


@dataclass
class Daemon:
    """One running `voice-sidecar serve`, configured by a YAML file the test writes."""

    config: dict
    workdir: Path
    env: dict = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    log_lines: list[str] = field(default_factory=list)
    base_url: str = ""
    socket_path: str | None = None

    def start(self, wait: bool = True) -> "Daemon":
        import yaml  # PyYAML comes with the pinned venv

        cfg_path = self.workdir / "voice-sidecar.yaml"
        cfg_path.write_text(yaml.safe_dump(self.config))
        env = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_VOICE_SIDECAR_")}
        env.update(self.env)
        self.proc = subprocess.Popen([str(DAEMON), "serve", "--config", str(cfg_path)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        threading.Thread(target=self._collect_log, daemon=True).start()
        listen = self.config.get("listen", {})
        if listen.get("network") == "unix":
            self.socket_path = listen["address"]
            self.base_url = "http://localhost"
        else:
            self.base_url = "http://" + listen.get("address", "127.0.0.1:9860")
        if wait:
            wait_until(self._healthy, 15, "the daemon to answer /v1/health")
        return self

    def _collect_log(self) -> None:
        assert self.proc and self.proc.stderr
        for line in self.proc.stderr:
            self.log_lines.append(line.rstrip("\n"))

    def log(self) -> str:
        return "\n".join(self.log_lines)

    def client(self, timeout: float = 30.0, token: str | None = None) -> httpx.Client:
        transport = httpx.HTTPTransport(uds=self.socket_path) if self.socket_path else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, transport=transport, timeout=timeout, headers=headers)

    def _healthy(self) -> bool:
        if self.proc and self.proc.poll() is not None:
            raise AssertionError(f"daemon exited with {self.proc.returncode}:\n{self.log()}")
        try:
            with self.client(timeout=1) as c:
                return c.get("/v1/health").status_code == 200
        except httpx.TransportError:
            return False

    def get(self, path: str, **kw) -> httpx.Response:
        with self.client() as c:
            return c.get(path, **kw)

    def post(self, path: str, **kw) -> httpx.Response:
        with self.client() as c:
            return c.post(path, **kw)

    def worker(self) -> dict:
        return self.get("/v1/control/status").json()["worker"]

    def wait_state(self, state: str, timeout: float = 15) -> dict:
        return wait_until(lambda: (w := self.worker())["state"] == state and w, timeout,
                          f"worker state {state!r}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"daemon did not stop within {timeout} s after signal {sig}:\n{self.log()}")


def sse_events(client: httpx.Client, stop: Callable[[dict], bool], timeout: float) -> list[dict]:
    """Reads /v1/events until `stop(event)` is true; each event is {"id","event","data"}."""
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    with client.stream("GET", "/v1/events", timeout=httpx.Timeout(timeout, read=timeout)) as r:
        assert r.status_code == 200, r.read()
        current: dict = {}
        for line in r.iter_lines():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s reading events; got {len(events)}")
            if line.startswith(":"):
                continue
            if not line:
                if current:
                    events.append(current)
                    if stop(current):
                        return events
                current = {}
                continue
            key, _, value = line.partition(": ")
            current[key] = json.loads(value) if key == "data" else value
    return events
