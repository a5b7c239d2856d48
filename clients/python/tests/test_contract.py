"""The supervisor contract end to end: examples/unified_supervisor.py spawns the real daemon
binary with the test worker, over TCP and over a Unix socket, and every row of the table gives
the expected phase results, JARVIS_BACKEND_MINIMAL, exit code and reason, twice in a row."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from sidecar_harness import (make_daemon, workdir,  # noqa: F401 (fixtures)
                             DAEMON, PYTHON, SUPERVISOR, Daemon, clean_env, client_for, daemon_config,
                             free_port, need_daemon, process_alive, processes_with, wait_until)

from voice_sidecar import ContractConfig, Outcome, SidecarContract
from voice_sidecar.supervisor import run as supervisor_run

P = "JARVIS_VOICE_SIDECAR_"
MINIMAL = "JARVIS_BACKEND_MINIMAL=true"


@pytest.fixture(autouse=True)
def _daemon_built() -> None:
    need_daemon()


@dataclass
class Run:
    code: int
    lines: list[str]
    daemon_pid: int | None

    def phase(self, name: str) -> str:
        found = [line for line in self.lines
                 if re.match(rf"{name}: (ok|degraded|failed|skipped) \[", line)]
        assert len(found) == 1, (name, self.lines)
        return found[0]

    def summary(self) -> tuple[object, ...]:
        """What must be identical across two runs of the same row."""
        def head(line: str) -> str:
            return line.split("]")[0] + "]"
        failed = [head(line) for line in self.lines if line.startswith("supervisor: FAILED")]
        return (self.code, head(self.phase("phase2")), head(self.phase("phase3")),
                MINIMAL in self.lines, failed)


def transport_env(workdir: Path, transport: str) -> dict[str, str]:
    if transport == "unix":
        return {P + "TRANSPORT": "unix", P + "SOCKET": str(workdir / "run" / "vs.sock")}
    return {P + "TRANSPORT": "http", P + "BASE_URL": f"http://127.0.0.1:{free_port()}"}


def run_supervisor(env: dict[str, str], timeout: float = 20, python: str = PYTHON,
                   on_running: Callable[[subprocess.Popen[str]], None] | None = None) -> Run:
    """Runs the example supervisor; once it prints `supervisor: running` calls `on_running`
    (default: SIGTERM it). Returns its exit code and output."""
    full = clean_env()
    full.update(env)
    proc = subprocess.Popen([python, str(SUPERVISOR)], env=full, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            lines.append(line)
            if line.startswith("supervisor: running"):
                (on_running or (lambda p: p.send_signal(signal.SIGTERM)))(proc)
        code = proc.wait()
    finally:
        timer.cancel()
    assert code != -signal.SIGKILL, f"supervisor hung:\n" + "\n".join(lines)
    pid = next((int(line.split("pid ")[1].split(":")[0]) for line in lines
                if line.startswith("phase2: spawned sidecar pid")), None)
    return Run(code, lines, pid)


@dataclass(frozen=True)
class Row:
    enabled: bool
    required: bool
    gate_open: bool
    worker_ok: bool

    def expected(self) -> tuple[object, ...]:
        if not self.enabled:
            return (0, "phase2: skipped [disabled]", "phase3: skipped [disabled]", False, [])
        problem = "failed" if self.required else "degraded"
        if not self.gate_open:
            p3 = f"phase3: {problem} [gate_closed]"
            return (3 if self.required else 0, "phase2: degraded [gate_closed]", p3, True,
                    ["supervisor: FAILED [gate_closed]"] if self.required else [])
        if not self.worker_ok:
            return (3 if self.required else 0, "phase2: ok [gate_open]",
                    f"phase3: {problem} [worker_start_failed]", False,
                    ["supervisor: FAILED [worker_start_failed]"] if self.required else [])
        return (0, "phase2: ok [gate_open]", "phase3: ok [worker_started]", False, [])


ROWS = [Row(e, r, g, w) for e in (True, False) for r in (True, False) for g in (True, False)
        for w in (True, False)]


def run_in_process(env: dict[str, str]) -> Run:
    """The supervisor's own run() (what the script's main() calls after reading the environment),
    in a thread with its own environment, stopped like a signal would once it is running."""
    environ = clean_env()
    environ.update(env)
    stop = threading.Event()
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        if line.startswith("supervisor: running"):
            stop.set()

    code = supervisor_run(ContractConfig.from_env(environ), stop, say, environ)
    assert (MINIMAL.split("=")[0] in environ) == (MINIMAL in lines)
    pid = next((int(line.split("pid ")[1].split(":")[0]) for line in lines
                if line.startswith("phase2: spawned sidecar pid")), None)
    return Run(code, lines, pid)


def run_row(row: Row, transport: str, root: Path, attempt: int) -> Run:
    workdir = root / f"{int(row.enabled)}{int(row.required)}{int(row.gate_open)}{int(row.worker_ok)}-{attempt}"
    workdir.mkdir()
    worker_args = () if row.worker_ok else ("--exit-at-once", "1")
    config = daemon_config(workdir, worker_args, gate_open=row.gate_open)
    env = {P + "ENABLED": str(row.enabled).lower(), P + "REQUIRED": str(row.required).lower(),
           P + "COMMAND": f"{DAEMON} serve --config {config}", P + "START_TIMEOUT": "10",
           **transport_env(workdir, transport)}
    run = run_in_process(env)
    if not row.enabled:
        assert run.daemon_pid is None and not processes_with(str(config), zombies=True), "disabled touched nothing"
    elif run.daemon_pid is not None:
        assert not process_alive(run.daemon_pid), "the spawned sidecar outlived the supervisor"
    assert not processes_with(str(config), zombies=True), "an orphan of the sidecar is left"
    return run


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_every_row_of_the_table_twice(make_daemon: object, workdir: Path, transport: str) -> None:
    jobs = [(row, attempt) for row in ROWS for attempt in (1, 2)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        runs = list(pool.map(lambda job: run_row(job[0], transport, workdir, job[1]), jobs))
    mismatches = []
    by_row: dict[Row, list[Run]] = {}
    for (row, _), run in zip(jobs, runs):
        by_row.setdefault(row, []).append(run)
        if run.summary() != row.expected():
            mismatches.append(f"{row}: got {run.summary()}, want {row.expected()}\n  " +
                              "\n  ".join(run.lines))
    assert not mismatches, "\n".join(mismatches)
    for row, (first, second) in by_row.items():
        assert first.summary() == second.summary(), row
        failed = [line for line in first.lines if line.startswith("supervisor: FAILED")]
        assert len(failed) == (1 if first.code == 3 else 0), "one clear reason"


def test_shutdown_stops_the_worker_through_the_contract_and_reaps_the_spawned_sidecar(
        workdir: Path) -> None:
    stopped = workdir / "worker-got-shutdown"
    config = daemon_config(workdir, ("--record-shutdown", str(stopped)))
    env = {P + "ENABLED": "true", P + "REQUIRED": "true", P + "COMMAND": f"{DAEMON} serve --config {config}",
           **transport_env(workdir, "unix")}
    worker_pid: list[int] = []

    def on_running(proc: subprocess.Popen[str]) -> None:
        from voice_sidecar import SidecarClient
        with SidecarClient(socket_path=env[P + "SOCKET"]) as c:
            worker_pid.append(c.status().worker.pid or 0)
        proc.send_signal(signal.SIGINT)

    run = run_supervisor(env, on_running=on_running)
    assert run.code == 0, run.lines
    shutdown = run.phase("shutdown")
    assert "worker stopped" in shutdown and "exited with code 0 after SIGTERM" in shutdown
    assert any("supervisor_shutdown" in line for line in run.lines), "stop went through /v1/control/stop"
    assert stopped.exists(), "the worker got a graceful shutdown line"
    assert run.daemon_pid and not process_alive(run.daemon_pid)
    assert worker_pid[0] and not process_alive(worker_pid[0])
    assert processes_with(str(config), zombies=True) == [], "no orphan or zombie in the process table"
    assert not Path(env[P + "SOCKET"]).exists(), "the daemon removed its socket"


def test_a_sidecar_it_did_not_spawn_keeps_running(make_daemon: Callable[..., Daemon]) -> None:
    d = make_daemon("tcp")
    env = {P + "ENABLED": "true", P + "REQUIRED": "true", P + "BASE_URL": d.base_url}
    run = run_supervisor(env)
    assert run.code == 0 and run.daemon_pid is None, run.lines
    assert run.phase("phase3").startswith("phase3: ok [worker_started]")
    assert "sidecar left running" in run.phase("shutdown")
    assert d.proc is not None and d.proc.poll() is None
    with client_for(d) as c:
        assert c.health().status == "ok"
        assert c.status().worker.state == "stopped", "the worker was stopped through the contract"


def test_health_wait_awaits_a_slow_sidecar(workdir: Path) -> None:
    config = daemon_config(workdir)
    env = {P + "ENABLED": "true", P + "REQUIRED": "true", P + "START_TIMEOUT": "5",
           P + "COMMAND": f"sh -c 'sleep 1.5; exec {DAEMON} serve --config {config}'",
           **transport_env(workdir, "tcp")}
    run = run_supervisor(env)
    assert run.code == 0, run.lines
    healthy = next(line for line in run.lines if "sidecar healthy" in line)
    waited = float(healthy.split(" after ")[1].split(" s")[0])
    assert 1.5 <= waited < 5, healthy  # after the sleep, within START_TIMEOUT
    assert not processes_with(str(config), zombies=True)


def test_health_wait_gives_up_after_start_timeout(workdir: Path) -> None:
    marker = str(workdir / "never-listens")
    config = ContractConfig.from_env({
        P + "ENABLED": "true", P + "REQUIRED": "true", P + "START_TIMEOUT": "2",
        P + "COMMAND": f"sh -c 'sleep 60; echo {marker}'", **transport_env(workdir, "tcp")})
    contract = SidecarContract(config, environ={})
    began = time.monotonic()
    result = contract.phase2()
    took = time.monotonic() - began
    assert (result.outcome, result.reason) == (Outcome.FAILED, "health_timeout"), result
    assert 1.8 <= took <= 3.5, took  # START_TIMEOUT, with room for a loaded machine
    assert contract.environ == {"JARVIS_BACKEND_MINIMAL": "true"}
    assert processes_with(marker), "still running until shutdown"
    assert "killed" not in contract.shutdown().detail
    assert not processes_with(marker, zombies=True), "shutdown ended the sidecar it spawned, and reaped it"


def test_one_environment_configures_both_sides_over_a_unix_socket(workdir: Path) -> None:
    """TRANSPORT=unix + SOCKET alone: the spawned sidecar (whose config has no listen section)
    listens there, and the client reaches it."""
    sock = workdir / "one" / "env.sock"
    config = daemon_config(workdir)
    env = {P + "ENABLED": "true", P + "REQUIRED": "true", P + "TRANSPORT": "unix",
           P + "SOCKET": str(sock), P + "COMMAND": f"{DAEMON} serve --config {config}"}
    seen: dict[str, object] = {}

    def on_running(proc: subprocess.Popen[str]) -> None:
        from voice_sidecar import SidecarClient
        seen["is_socket"] = sock.is_socket()
        with SidecarClient(socket_path=str(sock)) as c:
            h = c.health()
            seen["listen"] = (h.listen_network, h.listen_address)
        proc.send_signal(signal.SIGTERM)

    run = run_supervisor(env, on_running=on_running)
    assert run.code == 0, run.lines
    assert seen == {"is_socket": True, "listen": ("unix", str(sock))}


def test_disabled_under_plain_python3_reexecs_into_the_venv(workdir: Path) -> None:
    run = run_supervisor({P + "ENABLED": "false"}, python="/usr/bin/python3")
    assert run.code == 0 and run.phase("phase2") == (
        "phase2: skipped [disabled] JARVIS_VOICE_SIDECAR_ENABLED is false: legacy path, sidecar untouched")


def test_a_bad_variable_exits_2_naming_it() -> None:
    run = run_supervisor({P + "ENABLED": "true", P + "TRANSPORT": "carrier-pigeon"})
    assert run.code == 2
    assert any(line.startswith("supervisor: FAILED [config] JARVIS_VOICE_SIDECAR_TRANSPORT=")
               for line in run.lines), run.lines


def test_the_script_exits_3_with_one_reason_when_a_required_worker_cannot_start(workdir: Path) -> None:
    config = daemon_config(workdir, ("--exit-at-once", "1"))
    env = {P + "ENABLED": "true", P + "REQUIRED": "true",
           P + "COMMAND": f"{DAEMON} serve --config {config}", **transport_env(workdir, "unix")}
    runs = [run_supervisor(env), run_supervisor(env)]
    for run in runs:
        assert run.code == 3, run.lines
        assert run.phase("phase3").startswith("phase3: failed [worker_start_failed] worker start: 503 ")
        failed = [line for line in run.lines if line.startswith("supervisor: FAILED")]
        assert len(failed) == 1 and failed[0].startswith("supervisor: FAILED [worker_start_failed]")
        assert run.daemon_pid and not process_alive(run.daemon_pid)
    assert runs[0].summary() == runs[1].summary()
    assert not processes_with(str(config), zombies=True)
