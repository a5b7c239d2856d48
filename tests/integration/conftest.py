"""Fixtures that start the real daemon over TCP or a Unix socket with fixture pressure files."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import pytest

from harness import Daemon, base_config


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
