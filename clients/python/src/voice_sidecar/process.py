"""The sidecar process a supervisor spawned: start it, watch it, and end it without orphans.

The sidecar runs in its own process group, and termination signals the whole group, so a
`sh -c` wrapper's children go too (the reference signalled one PID and orphaned the rest).
Termination is SIGTERM (the daemon then stops its worker gracefully and removes its socket),
then SIGKILL after a grace period, then a wait that reaps it: no zombie is left behind.
"""
from __future__ import annotations

import os
import signal
import subprocess
from typing import Mapping, Sequence

from .errors import SidecarError


class SpawnError(SidecarError):
    """The sidecar command could not be started at all (missing, not executable, ...)."""


class SidecarProcess:
    """One spawned sidecar. `pid` is also its process-group id."""

    def __init__(self, proc: subprocess.Popen[bytes], argv: Sequence[str]) -> None:
        self._proc = proc
        self.argv = tuple(argv)
        self.pid = proc.pid

    @classmethod
    def spawn(cls, argv: Sequence[str], env: Mapping[str, str]) -> SidecarProcess:
        """Starts `argv` (no shell) with `env`, in a new process group, stdin closed; its output
        goes where the supervisor's goes."""
        if not argv:
            raise SpawnError("empty sidecar command")
        try:
            proc = subprocess.Popen(list(argv), env=dict(env), stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        except OSError as exc:
            raise SpawnError(f"cannot run {argv[0]!r}: {exc.strerror or exc}") from exc
        return cls(proc, argv)

    def exit_code(self) -> int | None:
        """None while running; else its exit code (negative: killed by that signal)."""
        return self._proc.poll()

    def terminate(self, grace: float = 5.0) -> str:
        """SIGTERM to the group, SIGKILL after `grace` s, then reap. Returns what happened."""
        if (code := self._proc.poll()) is not None:
            self._signal_group(signal.SIGKILL)  # leftovers of a wrapper that already exited
            return f"had already exited with code {code}"
        self._signal_group(signal.SIGTERM)
        try:
            code = self._proc.wait(grace)
            how = f"exited with code {code} after SIGTERM"
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            code = self._proc.wait()
            how = f"killed (SIGKILL) after {grace} s without exiting on SIGTERM"
        self._signal_group(signal.SIGKILL)  # anything of the group that outlived the leader
        return how

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

