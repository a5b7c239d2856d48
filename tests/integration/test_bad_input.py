"""Bad requests get a clear answer that says what was wrong, and change nothing."""
from __future__ import annotations

import subprocess

import pytest

from harness import DAEMON


def test_malformed_json_body_is_400_and_starts_nothing(make_daemon):
    d = make_daemon()
    r = d.post("/v1/control/start", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert "not valid JSON" in r.json()["error"]
    r = d.post("/v1/control/start", json=["a list"])
    assert r.status_code == 400 and "JSON object" in r.json()["error"]
    r = d.post("/v1/control/start", json={"reason": 42})
    assert r.status_code == 400 and "reason" in r.json()["error"]
    assert d.worker()["state"] == "stopped"


def test_unknown_path_404_and_wrong_method_405(make_daemon):
    d = make_daemon()
    r = d.get("/v1/nope")
    assert r.status_code == 404 and "/v1/nope" in r.json()["error"]
    r = d.post("/v1/health")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert r.json() == {"error": "method not allowed"}


def test_body_over_limit_is_413(make_daemon):
    d = make_daemon(tweak=lambda c: c["listen"].update(body_limit_bytes=1024))
    r = d.post("/v1/control/start", content=b"{" + b" " * 4096 + b"}")
    assert r.status_code == 413 and "1024" in r.json()["error"]
    assert d.worker()["state"] == "stopped"


def test_token_required_everywhere_but_health(make_daemon):
    d = make_daemon(tweak=lambda c: c.update(auth={"token": "s3cret"}))
    assert d.get("/v1/health").status_code == 200
    for path in ("/v1/control/status", "/v1/gates/heavy-load", "/v1/metrics"):
        r = d.get(path)
        assert r.status_code == 401, path
        assert r.headers["www-authenticate"] == "Bearer"
    with d.client(token="wrong") as c:
        assert c.get("/v1/control/status").status_code == 401
    with d.client(token="s3cret") as c:
        assert c.get("/v1/control/status").status_code == 200


def test_non_loopback_tcp_without_token_is_refused(tmp_path):
    r = subprocess.run([str(DAEMON), "check-config", "--address", "0.0.0.0:9860"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert "listen.address" in r.stderr and "token" in r.stderr


@pytest.mark.parametrize("args,key", [
    (["--set", "backoff.multiplier=0.5"], "backoff.multiplier"),
    (["--set", "pressure.nonsense=1"], "pressure.nonsense"),
    (["--network", "udp"], "listen.network"),
])
def test_invalid_config_exits_2_naming_the_key(args, key):
    r = subprocess.run([str(DAEMON), "serve", *args], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2, r.stderr
    assert key in r.stderr


def test_invalid_yaml_file_names_the_key(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("worker:\n  stop_timeout_ms: soon\n")
    r = subprocess.run([str(DAEMON), "check-config", "--config", str(cfg)], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 2 and "worker.stop_timeout_ms" in r.stderr


def test_check_config_shows_origins(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("backoff:\n  initial_ms: 250\n")
    r = subprocess.run([str(DAEMON), "check-config", "--config", str(cfg), "--set", "backoff.max_ms=9000"],
                       capture_output=True, text=True, timeout=10,
                       env={"JARVIS_VOICE_SIDECAR_BACKOFF_MULTIPLIER": "3", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    lines = {line.split(" = ")[0].strip(): line for line in r.stdout.splitlines() if " = " in line}
    assert "250" in lines["backoff.initial_ms"] and str(cfg) in lines["backoff.initial_ms"]
    assert "3" in lines["backoff.multiplier"] and "JARVIS_VOICE_SIDECAR_BACKOFF_MULTIPLIER" in lines["backoff.multiplier"]
    assert "9000" in lines["backoff.max_ms"] and "flag" in lines["backoff.max_ms"]
    assert "default" in lines["listen.address"]


def test_supervisor_transport_env_configures_unix(tmp_path):
    sock = tmp_path / "s.sock"
    r = subprocess.run([str(DAEMON), "check-config"], capture_output=True, text=True, timeout=10,
                       env={"JARVIS_VOICE_SIDECAR_TRANSPORT": "unix",
                            "JARVIS_VOICE_SIDECAR_SOCKET": str(sock), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert any(l.startswith("listen.network") and '"unix"' in l for l in r.stdout.splitlines())
    assert any(l.startswith("listen.address") and str(sock) in l for l in r.stdout.splitlines())
