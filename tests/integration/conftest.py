"""The fixtures that start the real daemon (workdir, make_daemon) live in harness.py, the one
daemon harness the client's tests and the benchmarks share too."""
from __future__ import annotations

from harness import make_daemon, workdir  # noqa: F401 (fixtures)
