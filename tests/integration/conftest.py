"""Fixtures that start the real daemon over TCP or a Unix socket with fixture pressure files."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import pytest

from harness import Daemon, free_port, test_worker_command, write_pressure


def base_config(workdir: Path, transport: str, worker_args: tuple[str, ...] = ()) -> dict:
    proc = workdir / "proc"
    write_pressure(proc)
    (workdir / "cgroup").mkdir(exist_ok=True)
    listen = ({"network": "unix", "address": str(workdir / "run" / "sidecar.sock")}
              if transport == "unix" else {"network": "tcp", "address": f"127.0.0.1:{free_port()}"})
    return {
        "listen": listen,
        "pressure": {"proc_root": str(proc), "cgroup_root": str(workdir / "cgroup"),
                     "monitor_interval_ms": 100, "sample_timeout_ms": 2000, "reopen_after_samples": 3,
                     "min_available_memory_mb": 1000, "max_memory_percent": 95, "max_cpu_percent": 99},
        "worker": {"command": test_worker_command(*worker_args), "start_timeout_ms": 5000,
                   "stop_timeout_ms": 3000, "kill_timeout_ms": 2000, "ping_interval_ms": 200,
                   "ping_timeout_ms": 600, "ping_failure_limit": 2},
        "backoff": {"initial_ms": 200, "max_ms": 5000, "multiplier": 2.0, "jitter": 0.0,
                    "max_restarts": 3, "restart_window_ms": 60000, "stable_after_ms": 30000},
    }


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Short paths under /tmp: a Unix socket path must fit in 107 bytes.
    d = Path(tempfile.mkdtemp(prefix="vs-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def make_daemon(workdir: Path) -> Iterator[Callable[..., Daemon]]:
    started: list[Daemon] = []

    def make(transport: str = "tcp", worker_args: tuple[str, ...] = (), start: bool = True,
             tweak: Callable[[dict], None] | None = None, env: dict | None = None) -> Daemon:
        config = base_config(workdir, transport, worker_args)
        if tweak:
            tweak(config)
        d = Daemon(config=config, workdir=workdir, env=env or {})
        started.append(d)
        return d.start() if start else d

    yield make
    for d in started:
        d.stop()
