"""The defaults alone run the bundled worker: faster-whisper tiny.en from the venv, started and
stopped through the control plane."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.real_model


def test_default_command_runs_the_bundled_worker(make_daemon):
    # No command and no start timeout: the defaults, which must hold a model load on a loaded
    # machine (over 5 s with both cores busy). A start may take that timeout plus the control
    # call's 5 s, so the client waits longer still.
    d = make_daemon("unix", tweak=lambda c: [c["worker"].pop(k) for k in ("command", "start_timeout_ms")])
    with d.client(timeout=60) as c:
        r = c.post("/v1/control/start", json={"reason": "bundled"})
    assert (r.status_code, r.json()) == (200, {"status": "started"}), r.text
    w = d.worker()
    assert (w["state"], w["engine"], w["model"]) == ("running", "faster-whisper", "tiny.en")
    pid = w["pid"]
    assert d.post("/v1/control/stop").json() == {"status": "stopped"}
    w = d.worker()
    assert (w["state"], w["last_exit"]) == ("stopped", "exit code 0")
    # The worker's own log lines reach the daemon's log, tagged with its pid.
    assert re.search(rf"worker\[{pid}\] .*ready", d.log())
