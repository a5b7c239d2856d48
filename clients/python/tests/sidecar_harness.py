"""Real processes for the client's tests: the daemon binary with fixture pressure files and the
protocol-speaking test worker, a cuttable proxy, and process-table checks. No mocked HTTP."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

if TYPE_CHECKING:
    from voice_sidecar import SidecarClient

REPO = Path(__file__).resolve().parents[3]
DAEMON = Path(os.environ.get("VS_DAEMON", REPO / "build" / "voice-sidecar"))
TEST_WORKER = REPO / "tests" / "fixtures" / "test_worker.py"
SUPERVISOR = REPO / "clients" / "python" / "examples" / "unified_supervisor.py"
PYTHON = sys.executable


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.02) -> Any:
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
        return int(s.getsockname()[1])


def write_pressure(root: Path, available_mb: float = 16000, total_mb: float = 24000) -> None:
    """/proc-like meminfo and stat the gate reads; low `available_mb` closes the gate."""
    root.mkdir(parents=True, exist_ok=True)
    files = {"meminfo": (f"MemTotal:       {int(total_mb * 1024)} kB\n"
                         f"MemFree:        {int(available_mb * 1024)} kB\n"
                         f"MemAvailable:   {int(available_mb * 1024)} kB\n"),
             "stat": "cpu  100 0 0 900 0 0 0 0 0 0\ncpu0 100 0 0 900 0 0 0 0 0 0\n"}
    for name, text in files.items():
        tmp = root / f".{name}.tmp"
        tmp.write_text(text)
        tmp.replace(root / name)


def daemon_config(workdir: Path, worker_args: tuple[str, ...] = (), gate_open: bool = True,
                  listen: dict[str, str] | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Writes a JSON config (the daemon reads .json as JSON) and returns its path. Without
    `listen` the listen address comes from the environment (one environment, both sides)."""
    proc = workdir / "proc"
    write_pressure(proc, available_mb=16000 if gate_open else 100)
    (workdir / "cgroup").mkdir(exist_ok=True)
    cfg: dict[str, Any] = {
        "pressure": {"proc_root": str(proc), "cgroup_root": str(workdir / "cgroup"),
                     "monitor_interval_ms": 100, "sample_timeout_ms": 2000, "reopen_after_samples": 1,
                     "min_available_memory_mb": 1000, "max_memory_percent": 95, "max_cpu_percent": 99},
        "worker": {"command": [PYTHON, str(TEST_WORKER), *worker_args], "start_timeout_ms": 5000,
                   "stop_timeout_ms": 2000, "kill_timeout_ms": 1000},
        "backoff": {"initial_ms": 200, "max_ms": 1000, "multiplier": 2.0, "jitter": 0.0,
                    "max_restarts": 2, "restart_window_ms": 60000},
        "audio": {"file_dirs": [str(workdir)]},
    }
    if listen:
        cfg["listen"] = listen
    for key, value in (extra or {}).items():
        cfg.setdefault(key, {}).update(value)
    path = workdir / "sidecar.json"
    path.write_text(json.dumps(cfg))
    return path


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}


@dataclass
class Daemon:
    """One `voice-sidecar serve` started by a test; `base_url` / `socket_path` reach it."""

    config: Path
    base_url: str
    socket_path: str | None = None
    proc: subprocess.Popen[str] | None = None
    log: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, workdir: Path, transport: str = "tcp", **kw: Any) -> Daemon:
        if transport == "unix":
            sock = str(workdir / "run" / "sidecar.sock")
            listen, base_url = {"network": "unix", "address": sock}, "http://localhost"
        else:
            addr = f"127.0.0.1:{free_port()}"
            listen, base_url, sock = {"network": "tcp", "address": addr}, f"http://{addr}", None
        d = cls(config=daemon_config(workdir, listen=listen, **kw), base_url=base_url, socket_path=sock)
        d.proc = subprocess.Popen([str(DAEMON), "serve", "--config", str(d.config)], text=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=clean_env())
        threading.Thread(target=d._collect, daemon=True).start()
        wait_until(d._healthy, 15, "the daemon's /v1/health")
        return d

    def _collect(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.rstrip("\n"))

    def _healthy(self) -> bool:
        import httpx
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"daemon exited {self.proc.returncode}:\n" + "\n".join(self.log))
        transport = httpx.HTTPTransport(uds=self.socket_path) if self.socket_path else None
        try:
            with httpx.Client(base_url=self.base_url, transport=transport, timeout=1) as c:
                return c.get("/v1/health").status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def client_for(d: Daemon, **kw: Any) -> "SidecarClient":
    """The package's client, pointed at `d` (TCP or its Unix socket)."""
    from voice_sidecar import SidecarClient
    return SidecarClient(d.base_url, socket_path=d.socket_path, **kw)


def process_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def processes_with(marker: str) -> list[tuple[int, str]]:
    """(pid, state) of every process, zombies included, whose command line contains `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if marker in cmdline:
            found.append((int(entry), state))
    return found


class CutProxy:
    """A TCP or Unix-socket forwarder in front of the daemon that a test can cut: `cut()`
    closes every open connection; while `refusing` is set new connections are closed at once."""

    def __init__(self, target_tcp: tuple[str, int] | None = None, target_unix: str | None = None,
                 listen_unix: str | None = None) -> None:
        self.target_tcp, self.target_unix = target_tcp, target_unix
        family = socket.AF_UNIX if listen_unix else socket.AF_INET
        self.server = socket.socket(family, socket.SOCK_STREAM)
        self.server.bind(listen_unix or ("127.0.0.1", 0))
        self.server.listen(64)
        self.listen_unix = listen_unix
        self.port = 0 if listen_unix else int(self.server.getsockname()[1])
        self.refusing = threading.Event()
        self.connections = 0
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return "http://localhost" if self.listen_unix else f"http://127.0.0.1:{self.port}"

    def _upstream(self) -> socket.socket:
        if self.target_unix:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.target_unix)
            return s
        assert self.target_tcp is not None
        return socket.create_connection(self.target_tcp)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.refusing.is_set():
                client.close()
                continue
            upstream = self._upstream()
            with self._lock:
                self.connections += 1
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        with self._lock:
            open_now, self._open = self._open, []
        for s in open_now:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self.server.close()


# Fixtures, imported by the test modules by name (this folder has no conftest.py on purpose: a
# second module named `conftest` would shadow the one worker/tests imports from).

@pytest.fixture
def workdir() -> Iterator[Path]:
    """A short temp dir: a Unix socket path must fit in 107 bytes."""
    d = Path(tempfile.mkdtemp(prefix="vsc-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def need_daemon() -> None:
    if not DAEMON.exists():
        pytest.skip(f"daemon binary {DAEMON} is not built")


@pytest.fixture
def make_daemon(workdir: Path) -> Iterator[Callable[..., Daemon]]:
    """Starts daemons for a test (`make_daemon("unix", worker_args=..., extra=...)`), stops them after."""
    need_daemon()
    started: list[Daemon] = []

    def make(transport: str = "tcp", **kw: Any) -> Daemon:
        d = Daemon.start(workdir, transport, **kw)
        started.append(d)
        return d

    yield make
    for d in started:
        d.stop()
