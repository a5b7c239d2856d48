"""The daemon supervises real worker processes: crash recovery with measured backoff, hangs and
kills detected, one lifecycle under concurrent requests, and clean shutdown."""
from __future__ import annotations

import os
import random
import re
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness import process_alive, processes_with, wait_until, zombie_children


def metric(text: str, name: str) -> float:
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert m, f"{name} not in metrics"
    return float(m.group(1))


def recorded_starts(path: Path) -> list[float]:
    if not path.exists():
        return []
    return [float(line.split()[0]) for line in path.read_text().splitlines() if line.strip()]


def test_crash_recovery_follows_backoff_then_fails_then_explicit_start(make_daemon, workdir):
    starts = workdir / "starts"
    crash_flag = workdir / "crash"
    crash_flag.touch()
    d = make_daemon(worker_args=("--record-start", str(starts), "--crash-if-exists", str(crash_flag),
                                 "--exit-code", "3"))

    r = d.post("/v1/control/start", json={"reason": "crash test"})
    assert r.status_code == 503 and "exit code 3" in r.json()["error"]
    assert int(r.headers["retry-after"]) >= 1  # the restart is already scheduled
    w = d.wait_state("failed", timeout=20)

    # 1 spawn + max_restarts (3) restarts; the gaps follow initial 200 ms × 2^n (jitter 0).
    times = recorded_starts(starts)
    assert len(times) == 4, times
    gaps_ms = [(b - a) * 1000 for a, b in zip(times, times[1:])]
    print("measured restart gaps (ms):", [round(g) for g in gaps_ms], "expected: [200, 400, 800] + spawn time")
    for gap, expected in zip(gaps_ms, [200, 400, 800]):
        assert expected - 20 <= gap <= expected + 600, (gaps_ms, expected)
    assert w["crash_count"] == 4 and w["restart_count"] == 3
    assert w["last_exit"] == "exit code 3"
    assert "restart budget" in w["last_error"]
    assert d.get("/v1/health").json()["status"] == "degraded"
    metrics = d.get("/v1/metrics").text
    assert metric(metrics, 'voice_sidecar_worker_crashes_total{cause="exit"}') == 4

    # failed is left only by an explicit start, which now succeeds.
    time.sleep(0.5)
    assert len(recorded_starts(starts)) == 4, "a failed worker must not be restarted automatically"
    crash_flag.unlink()
    r = d.post("/v1/control/start")
    assert (r.status_code, r.json()) == (200, {"status": "started"})
    assert d.worker()["state"] == "running"


def test_sigkilled_worker_is_restarted(make_daemon):
    d = make_daemon()
    assert d.post("/v1/control/start").status_code == 200
    old = d.worker()["pid"]
    os.kill(old, signal.SIGKILL)
    w = wait_until(lambda: (w := d.worker())["state"] == "running" and w["pid"] != old and w, 15,
                   "a new worker after SIGKILL")
    assert w["crash_count"] == 1 and w["restart_count"] == 1
    assert "signal 9" in w["last_exit"]
    assert not process_alive(old)


def test_worker_that_never_gets_ready_is_killed_and_retried(make_daemon, workdir):
    starts = workdir / "starts"
    d = make_daemon(worker_args=("--no-ready", "--record-start", str(starts)),
                    tweak=lambda c: c["worker"].update(start_timeout_ms=800))
    t0 = time.monotonic()
    r = d.post("/v1/control/start")
    took = time.monotonic() - t0
    assert r.status_code == 503 and "ready" in r.json()["error"]
    assert 0.7 <= took <= 10, took  # 800 ms applied, not the 30 s default (room for a loaded machine)
    wait_until(lambda: len(recorded_starts(starts)) >= 2, 15, "a retry after the start timeout")
    metrics = d.get("/v1/metrics").text
    assert metric(metrics, 'voice_sidecar_worker_crashes_total{cause="start_timeout"}') >= 1
    d.post("/v1/control/stop")
    wait_until(lambda: not processes_with(str(starts)), 10, "no worker left after stop")


def test_hung_worker_is_detected_by_ping_and_replaced(make_daemon):
    d = make_daemon()
    assert d.post("/v1/control/start").status_code == 200
    old = d.worker()["pid"]
    os.kill(old, signal.SIGSTOP)  # alive, but answers nothing
    w = wait_until(lambda: (w := d.worker())["state"] == "running" and w["pid"] != old and w, 15,
                   "a new worker after the old one stopped answering pings")
    assert not process_alive(old), "the hung worker must be killed, not left behind"
    metrics = d.get("/v1/metrics").text
    assert metric(metrics, 'voice_sidecar_worker_crashes_total{cause="ping_timeout"}') == 1
    wait_until(lambda: d.worker()["last_health_check_at"], 10, "a pong from the new worker")


@pytest.mark.parametrize("final", ["stop", "start"])
def test_concurrent_lifecycle_requests_never_make_two_workers(make_daemon, workdir, final):
    marker = f"singleflight-{final}-{os.getpid()}"
    d = make_daemon(worker_args=("--marker", marker))
    daemon_pid = d.proc.pid
    seen_max = 0
    stop_sampling = threading.Event()

    def sample() -> None:
        nonlocal seen_max
        while not stop_sampling.is_set():
            seen_max = max(seen_max, len(processes_with(marker)))
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    rng = random.Random(7)
    actions = [rng.choice(["start", "stop", "restart"]) for _ in range(100)]
    try:
        with ThreadPoolExecutor(max_workers=100) as pool:
            replies = list(pool.map(lambda a: d.post(f"/v1/control/{a}", json={"reason": "storm"}), actions))
        last = d.post(f"/v1/control/{final}", json={"reason": "final"})
    finally:
        stop_sampling.set()
        sampler.join()
    # A start that a later stop overtakes while it waits for "ready" answers 503 and says so;
    # anything else must succeed.
    for action, reply in zip(actions, replies):
        assert reply.status_code == 200 or (action in ("start", "restart") and reply.status_code == 503
                                            and "stop request" in reply.json()["error"]), (action, reply.text)
    assert last.status_code == 200
    assert seen_max <= 1, f"{seen_max} workers were alive at once"
    expected = "running" if final == "start" else "stopped"
    assert d.worker()["state"] == expected
    wait_until(lambda: len(processes_with(marker)) == (1 if final == "start" else 0), 10,
               "the worker count to match the final request")
    assert zombie_children(daemon_pid) == []


def test_sigterm_stops_worker_gracefully_and_removes_socket(make_daemon, workdir):
    shutdown_seen = workdir / "shutdown-seen"
    d = make_daemon("unix", worker_args=("--spawn-grandchild", "--pidfile", str(workdir / "pid"),
                                         "--record-shutdown", str(shutdown_seen)))
    assert d.post("/v1/control/start").status_code == 200
    worker = int((workdir / "pid").read_text())
    grandchild = int(wait_until(lambda: (workdir / "pid.child").exists() and (workdir / "pid.child").read_text(),
                                5, "the grandchild pid"))
    sock = Path(d.socket_path)
    assert sock.is_socket() and (sock.stat().st_mode & 0o777) == 0o600
    assert (sock.parent.stat().st_mode & 0o777) == 0o700

    assert d.stop(signal.SIGTERM) == 0
    assert shutdown_seen.exists(), "the worker must get a shutdown line, not a signal"
    assert not process_alive(worker) and not process_alive(grandchild)
    assert not sock.exists()
    assert "ignored shutdown" not in d.log() and "SIGKILL" not in d.log()


def test_sigkill_of_daemon_takes_the_worker_down(make_daemon, workdir):
    d = make_daemon("unix", worker_args=("--pidfile", str(workdir / "pid")))
    assert d.post("/v1/control/start").status_code == 200
    worker = int((workdir / "pid").read_text())
    d.proc.kill()
    d.proc.wait(10)
    wait_until(lambda: not process_alive(worker), 15, "the worker to die with the daemon")

    # The socket file is stale now; a new daemon on the same path replaces it.
    restarted = make_daemon("unix", tweak=lambda c: c["listen"].update(address=d.config["listen"]["address"]))
    assert restarted.get("/v1/health").status_code == 200


def test_socket_path_that_is_not_a_socket_is_left_alone(make_daemon, workdir):
    path = workdir / "run" / "sidecar.sock"
    path.mkdir(parents=True)
    d = make_daemon("unix", start=False)
    d.start(wait=False)
    assert d.proc.wait(10) == 1
    assert path.is_dir()
    assert "not a socket" in d.log()
