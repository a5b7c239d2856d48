"""The client's test pieces on top of the shared daemon harness (tests/integration/harness.py,
whose Daemon, fixtures and process-table checks it re-exports): a config file for the client's
supervisor, a client for a Daemon, and a proxy a test can cut. No mocked HTTP.

This folder has no conftest.py on purpose: a second module named `conftest` would shadow the one
worker/tests imports from; the test modules import the fixtures from here by name."""
from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from voice_sidecar import SidecarClient

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "integration"))
# harness.py is not typed to the client's mypy --strict standard: mypy takes its names as Any.
from harness import (DAEMON, PYTHON, Daemon, base_config, clean_env, config_file,  # type: ignore # noqa: E402
                     free_port, make_daemon, process_alive, processes_with, wait_until, workdir,
                     write_pressure)

__all__ = ["DAEMON", "PYTHON", "SUPERVISOR", "CutProxy", "Daemon", "clean_env", "client_for", "daemon_config",
           "free_port", "make_daemon", "need_daemon", "process_alive", "processes_with", "wait_until", "workdir",
           "write_pressure"]

SUPERVISOR = REPO / "clients" / "python" / "examples" / "unified_supervisor.py"


def daemon_config(workdir: Path, worker_args: tuple[str, ...] = (), gate_open: bool = True) -> Path:
    """A config file for a daemon the client's supervisor spawns; its listen address comes from
    the environment (one environment, both sides)."""
    return Path(config_file(workdir, base_config(workdir, None, worker_args, gate_open)))


def client_for(d: Daemon, **kw: Any) -> "SidecarClient":
    """The package's client, pointed at `d` (TCP or its Unix socket)."""
    from voice_sidecar import SidecarClient
    return SidecarClient(d.base_url, socket_path=d.socket_path, **kw)


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


def need_daemon() -> None:
    if not DAEMON.exists():
        pytest.skip(f"daemon binary {DAEMON} is not built")
