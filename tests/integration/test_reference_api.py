"""The reference control plane's clients keep working: every call they make, over TCP and over
a Unix socket, answered with the status codes and JSON fields of shared/reference/go-sidecar.md."""
from __future__ import annotations

from datetime import datetime

import pytest

from harness import write_pressure

PRESSURE_FIELDS = {"timestamp", "cpu_percent", "memory_percent", "memory_available_mb",
                   "memory_total_mb", "valid", "reason"}
WORKER_FIELDS = {"state", "pid", "started_at", "restart_count", "last_exit", "last_error",
                 "backoff_until", "health_failures", "last_health_check_at"}


def is_rfc3339(value: str) -> bool:
    return isinstance(value, str) and "T" in value and datetime.fromisoformat(value).tzinfo is not None


def check_pressure(p: dict) -> None:
    assert PRESSURE_FIELDS <= p.keys()
    assert is_rfc3339(p["timestamp"])
    assert p["valid"] is True and p["reason"] == ""
    assert p["memory_total_mb"] == pytest.approx(24000, rel=0.01)
    assert p["memory_available_mb"] == pytest.approx(16000, rel=0.01)
    assert p["memory_percent"] == pytest.approx(100 * 8000 / 24000, abs=0.5)


def check_worker(w: dict, state: str) -> None:
    assert WORKER_FIELDS <= w.keys()
    assert w["state"] == state
    for key in ("started_at", "backoff_until", "last_health_check_at", "ready_at"):
        # Never a zero date: a time is RFC 3339 or null.
        assert w[key] is None or is_rfc3339(w[key]), (key, w[key])
        assert not str(w[key]).startswith("0001")


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_reference_client_calls(make_daemon, transport):
    d = make_daemon(transport)

    health = d.get("/v1/health")
    assert health.status_code == 200
    h = health.json()
    assert h["status"] == "ok"
    assert is_rfc3339(h["time"])
    assert h["gate"] == {"heavy_load_allowed": True, "reason": ""}
    check_pressure(h["pressure"])
    check_worker(h["worker"], "stopped")
    assert h["worker"]["pid"] is None and h["worker"]["started_at"] is None
    expected_network = "unix" if transport == "unix" else "tcp"
    assert h["listen"]["network"] == expected_network
    assert h["listen"]["address"] == d.config["listen"]["address"]

    gate = d.get("/v1/gates/heavy-load")
    assert gate.status_code == 200
    assert gate.json()["allowed"] is True and gate.json()["reason"] == ""
    check_pressure(gate.json()["pressure"])

    started = d.post("/v1/control/start", json={"reason": "reference client"})
    assert (started.status_code, started.json()) == (200, {"status": "started"})
    status = d.get("/v1/control/status").json()
    assert {"gate", "pressure", "worker"} <= status.keys()
    check_worker(status["worker"], "running")
    assert isinstance(status["worker"]["pid"], int) and status["worker"]["pid"] > 0
    assert is_rfc3339(status["worker"]["started_at"])

    restarted = d.post("/v1/control/restart", json={"reason": "reference client"})
    assert (restarted.status_code, restarted.json()) == (200, {"status": "restarted"})
    new_pid = d.worker()["pid"]
    assert new_pid != status["worker"]["pid"]

    stopped = d.post("/v1/control/stop", json={"reason": "reference client"})
    assert (stopped.status_code, stopped.json()) == (200, {"status": "stopped"})
    again = d.post("/v1/control/stop")  # nothing runs: still 200
    assert (again.status_code, again.json()) == (200, {"status": "stopped"})
    check_worker(d.worker(), "stopped")

    wrong = d.get("/v1/control/start")
    assert (wrong.status_code, wrong.json()) == (405, {"error": "method not allowed"})
    assert "POST" in wrong.headers["allow"]

    metrics = d.get("/v1/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE voice_sidecar_gate_open gauge" in metrics.text
    assert 'voice_sidecar_control_requests_total{action="start"} 1' in metrics.text
    assert 'voice_sidecar_control_requests_total{action="restart"} 1' in metrics.text


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_gate_closed_answers_429_and_start_503(make_daemon, workdir, transport):
    d = make_daemon(transport)
    write_pressure(workdir / "proc", available_mb=500)
    gate = None
    for _ in range(200):
        gate = d.get("/v1/gates/heavy-load")
        if gate.status_code == 429:
            break
    assert gate is not None and gate.status_code == 429
    body = gate.json()
    assert body["allowed"] is False
    assert "500" in body["reason"] and "1000" in body["reason"]  # says what and the limit
    start = d.post("/v1/control/start", json={"reason": "blocked?"})
    assert start.status_code == 503
    assert start.json()["error"].startswith("worker start blocked by pressure gate: ")
    assert body["reason"] in start.json()["error"]
    assert int(start.headers["retry-after"]) >= 1
    h = d.get("/v1/health").json()
    assert h["status"] == "degraded" and h["gate"]["heavy_load_allowed"] is False
