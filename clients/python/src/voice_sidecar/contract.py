"""The deterministic startup/shutdown contract of a Python supervisor (DESIGN.md §7).

phase2 (resources): spawn the sidecar when COMMAND is set (with the same transport settings),
wait for /v1/health up to START_TIMEOUT, query the gate, set JARVIS_BACKEND_MINIMAL=true when it
is closed (or cannot be read: fail closed).
phase3 (backend): re-check the gate; start the worker through /v1/control/start when it is open
and MANAGE_WORKER is on.
shutdown: stop the worker through /v1/control/stop; terminate, then kill after a grace, the
sidecar process only if this supervisor spawned it.

Every phase returns a PhaseResult with a stable `reason` code and one sentence. With ENABLED
false nothing is touched. With REQUIRED false every failure is `degraded` and startup goes on;
with REQUIRED true the first failure is `failed` and the supervisor exits with
EXIT_REQUIRED_FAILED. The same inputs give the same outcome and reason code.
"""
from __future__ import annotations

import enum
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, MutableMapping

from .client import SidecarClient
from .config import ContractConfig
from .errors import SidecarError, SidecarHTTPError, SidecarTimeout, SidecarUnavailable
from .process import SidecarProcess, SpawnError

BACKEND_MINIMAL = "JARVIS_BACKEND_MINIMAL"
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_CONFIG = 2
EXIT_REQUIRED_FAILED = 3
_POLL = 0.1


class Outcome(str, enum.Enum):
    OK = "ok"
    DEGRADED = "degraded"  # something failed; the sidecar is not required, startup goes on
    FAILED = "failed"  # something failed and the sidecar is required: startup must stop
    SKIPPED = "skipped"  # ENABLED is false (legacy path), or nothing to do


@dataclass(frozen=True)
class PhaseResult:
    """What one phase did. `reason` is a stable code (gate_closed, worker_start_failed, ...);
    `detail` the human sentence, with the daemon's own words where it gave some."""

    phase: str
    outcome: Outcome
    reason: str
    detail: str

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAILED

    def line(self) -> str:
        return f"{self.phase}: {self.outcome.value} [{self.reason}] {self.detail}"


def _sentence(exc: BaseException) -> str:
    if isinstance(exc, SidecarHTTPError):
        return f"{exc.status} {exc.message}"
    return str(exc) or type(exc).__name__


class SidecarContract:
    """Runs the phases for one supervisor. `environ` receives JARVIS_BACKEND_MINIMAL (default
    os.environ, so the backend the supervisor starts next inherits it); `log` gets one line per
    step; setting `cancel` makes a health wait give up at once (a signal during startup)."""

    def __init__(self, config: ContractConfig, *, environ: MutableMapping[str, str] | None = None,
                 log: Callable[[str], None] = lambda line: None,
                 cancel: threading.Event | None = None, stop_grace: float = 5.0) -> None:
        self.config = config
        self.environ = os.environ if environ is None else environ
        self.log = log
        self.cancel = cancel or threading.Event()
        self.stop_grace = stop_grace
        self.spawned: SidecarProcess | None = None
        self.reachable = False
        self.backend_minimal = False
        self._client: SidecarClient | None = None

    @property
    def client(self) -> SidecarClient:
        if self._client is None:
            c = self.config
            self._client = SidecarClient(endpoint=c.endpoint(), read_timeout=c.health_timeout,
                                         control_timeout=c.control_timeout)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # --- outcomes -------------------------------------------------------------------------

    def _problem(self, phase: str, reason: str, detail: str) -> PhaseResult:
        outcome = Outcome.FAILED if self.config.required else Outcome.DEGRADED
        if not self.config.required:
            detail += " (sidecar not required: continuing)"
        return PhaseResult(phase, outcome, reason, detail)

    def _set_minimal(self, why: str) -> None:
        if not self.backend_minimal:
            self.backend_minimal = True
            self.environ[BACKEND_MINIMAL] = "true"
            self.log(f"{BACKEND_MINIMAL}=true")  # alone on its line: the backend's switch
            self.log(f"supervisor: backend minimal because {why}")

    # --- phase 2 --------------------------------------------------------------------------

    def phase2(self) -> PhaseResult:
        """Resources: spawn if configured, wait for health, query the gate."""
        c = self.config
        if not c.enabled:
            return PhaseResult("phase2", Outcome.SKIPPED, "disabled",
                               "JARVIS_VOICE_SIDECAR_ENABLED is false: legacy path, sidecar untouched")
        where = c.endpoint().describe()
        if c.command:
            if self._answers():
                self.log(f"phase2: a sidecar already answers at {where}; not spawning "
                         "(it will be left running at shutdown)")
            else:
                try:
                    env = dict(self.environ)  # the supervisor's own environment ...
                    env.update(c.sidecar_env())  # ... with the transport we will connect to
                    self.spawned = SidecarProcess.spawn(c.command, env)
                except SpawnError as exc:
                    self._set_minimal("sidecar could not be spawned")
                    return self._problem("phase2", "spawn_failed", str(exc))
                self.log(f"phase2: spawned sidecar pid {self.spawned.pid}: {' '.join(c.command)}")
        waited = self._wait_healthy()
        if isinstance(waited, PhaseResult):
            self._set_minimal("sidecar unavailable")
            return waited
        self.reachable = True
        self.log(f"phase2: sidecar healthy at {where} after {waited:.1f} s")
        return self._query_gate("phase2")

    def _answers(self) -> bool:
        try:
            self.client.health()
            return True
        except SidecarError:
            return False

    def _wait_healthy(self) -> float | PhaseResult:
        """Seconds it took for /v1/health to answer 200, or the failure (timeout, exit)."""
        c = self.config
        began = time.monotonic()
        deadline = began + c.start_timeout
        last = "no answer yet"
        while True:
            if self.spawned is not None and (code := self.spawned.exit_code()) is not None:
                return self._problem("phase2", "sidecar_exited",
                                     f"the sidecar exited with code {code} before answering /v1/health")
            left = deadline - time.monotonic()
            if left <= 0:
                return self._problem("phase2", "health_timeout",
                                     f"no healthy answer from {c.endpoint().describe()} within "
                                     f"START_TIMEOUT={c.start_timeout:g} s (last: {last})")
            if self.cancel.is_set():
                return self._problem("phase2", "cancelled", "stop requested while waiting for health")
            try:
                self.client.health()
                return time.monotonic() - began
            except SidecarError as exc:
                last = _sentence(exc)
            self.cancel.wait(min(_POLL, max(0.0, deadline - time.monotonic())))

    def _query_gate(self, phase: str) -> PhaseResult:
        try:
            gate = self.client.gate()
        except SidecarError as exc:
            self._set_minimal("gate could not be read")
            return self._problem(phase, "gate_unavailable", f"heavy-load gate: {_sentence(exc)}")
        if not gate.allowed:
            self._set_minimal(f"gate closed: {gate.reason}")
            return PhaseResult(phase, Outcome.DEGRADED, "gate_closed",
                               f"heavy-load gate closed: {gate.reason}")
        return PhaseResult(phase, Outcome.OK, "gate_open", "sidecar healthy, heavy-load gate open")

    # --- phase 3 --------------------------------------------------------------------------

    def phase3(self) -> PhaseResult:
        """Backend: re-check the gate; start the worker when allowed and managed."""
        c = self.config
        if not c.enabled:
            return PhaseResult("phase3", Outcome.SKIPPED, "disabled",
                               "JARVIS_VOICE_SIDECAR_ENABLED is false: legacy path")
        if not self.reachable:
            return self._problem("phase3", "sidecar_unavailable",
                                 "the sidecar was not available in phase 2: worker not started")
        gate = self._query_gate("phase3")
        if gate.reason == "gate_unavailable":
            return gate
        if not c.manage_worker:
            outcome = Outcome.DEGRADED if gate.reason == "gate_closed" else Outcome.OK
            return PhaseResult("phase3", outcome, "worker_not_managed",
                               f"MANAGE_WORKER is false: worker left alone ({gate.detail})")
        if gate.reason == "gate_closed":
            return self._problem("phase3", "gate_closed",
                                 f"worker not started: {gate.detail}")
        try:
            status = self.client.start("supervisor_phase3")
        except SidecarTimeout as exc:
            return self._problem("phase3", "worker_start_timeout",
                                 f"worker start: {_sentence(exc)} (CONTROL_TIMEOUT={c.control_timeout:g} s)")
        except SidecarError as exc:
            return self._problem("phase3", "worker_start_failed", f"worker start: {_sentence(exc)}")
        return PhaseResult("phase3", Outcome.OK, "worker_started", f"worker {status}")

    # --- shutdown -------------------------------------------------------------------------

    def shutdown(self) -> PhaseResult:
        """Stops the worker through the contract, then ends the sidecar if we spawned it."""
        c = self.config
        if not c.enabled:
            return PhaseResult("shutdown", Outcome.SKIPPED, "disabled", "legacy path: nothing to stop")
        parts: list[str] = []
        outcome = Outcome.OK
        if c.manage_worker and (self.reachable or self.spawned is not None):
            try:
                parts.append(f"worker {self.client.stop('supervisor_shutdown')}")
            except SidecarError as exc:
                outcome = Outcome.DEGRADED
                parts.append(f"worker stop failed: {_sentence(exc)}")
        self.close()
        if self.spawned is not None:
            parts.append(f"sidecar pid {self.spawned.pid} {self.spawned.terminate(self.stop_grace)}")
            self.spawned = None
        elif self.reachable:
            parts.append("sidecar left running (not spawned by this supervisor)")
        return PhaseResult("shutdown", outcome, "stopped" if outcome is Outcome.OK else "stop_failed",
                           "; ".join(parts) or "nothing to stop")
