"""Bad requests get a clear answer that says what was wrong, and change nothing."""
from __future__ import annotations

import os
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


# Hostile configuration (issue 8): each is exit 2 with a sentence naming the key or the line —
# never SIGABRT, a hang, or a daemon that accepts it and then misbehaves.
def run_cli(*args, timeout=10, env=None):
    return subprocess.run([str(DAEMON), *args], capture_output=True, text=True, timeout=timeout,
                          env={"PATH": "/usr/bin:/bin", **(env or {})})


HOSTILE_FILES = [
    ("overflow.json", '{"worker": {"start_timeout_ms": 1e400}}', ["worker.start_timeout_ms", "out of range at line 1"]),
    ("dup.json", '{"log": {"level": "info",\n "level": "debug"}}', ["log.level", "given twice", "line 2"]),
    ("two.yaml", "log:\n  level: info\n---\nlog:\n  level: debug\n", ["second YAML document", "line 4"]),
    ("deep.yaml", "worker:\n  env: " + "[" * 40 + "x" + "]" * 40 + "\n", ["nested deeper than 32 levels", "line 2"]),
    ("deep.json", '{"worker": ' + "[" * 100000 + "]" * 100000 + "}", ["nested deeper than 32 levels", "line 1"]),
    ("big.yaml", "# " + "x" * (2 << 20) + "\n", ["at most 1048576 bytes"]),
    ("range.yaml", "ipc:\n  event_buffer: 2147483647\n", ["ipc.event_buffer", "<= 65536", "(0, 65536]"]),
]


@pytest.mark.parametrize("name,text,says", HOSTILE_FILES, ids=[case[0] for case in HOSTILE_FILES])
@pytest.mark.parametrize("command", ["check-config", "serve"])
def test_hostile_config_file_exits_2_with_a_sentence(tmp_path, name, text, says, command):
    cfg = tmp_path / name
    cfg.write_text(text)
    r = run_cli(command, "--config", str(cfg))
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith("voice-sidecar: configuration error: "), r.stderr
    for s in says:
        assert s in r.stderr, (s, r.stderr)


@pytest.mark.parametrize("env", [
    {"JARVIS_VOICE_SIDECAR_WORKER_START_TIMEOUT_MS": "2147483647"},
    {"JARVIS_VOICE_SIDECAR_MONITOR_INTERVAL_MS": "2147483647", "JARVIS_VOICE_SIDECAR_SAMPLE_TIMEOUT_MS": "2147483647"},
    {"JARVIS_VOICE_SIDECAR_IPC_EVENT_BUFFER": "100000000"},
])
@pytest.mark.parametrize("command", ["check-config", "serve"])
def test_out_of_range_numbers_exit_2_naming_the_key_and_range(env, command):
    r = run_cli(command, env=env)
    assert r.returncode == 2, r.stderr
    assert "allowed: (0, " in r.stderr and ("_ms" in r.stderr or "event_buffer" in r.stderr), r.stderr


def test_dev_zero_and_a_fifo_are_refused_at_once(tmp_path):
    r = run_cli("check-config", "--config", "/dev/zero", timeout=5)
    assert r.returncode == 2 and "/dev/zero" in r.stderr and "character device" in r.stderr, r.stderr
    fifo = tmp_path / "c.yaml"
    os.mkfifo(fifo)
    r = run_cli("check-config", "--config", str(fifo), timeout=5)
    assert r.returncode == 2 and str(fifo) in r.stderr and "FIFO" in r.stderr, r.stderr
    r = run_cli("serve", "--config", str(tmp_path), timeout=5)
    assert r.returncode == 2 and "directory" in r.stderr, r.stderr


def test_short_loopback_forms_need_no_token():
    for address in ("127.1:0", "localhost:0", "[::1]:0"):
        r = run_cli("check-config", "--address", address)
        assert r.returncode == 0, (address, r.stderr)


def test_check_config_keys_states_every_range():
    r = run_cli("check-config", "--keys")
    assert r.returncode == 0, r.stderr
    assert "ipc.event_buffer = 1024" in r.stdout and "an integer in (0, 65536]" in r.stdout
    assert "worker.start_timeout_ms = 30000" in r.stdout and "an integer in (0, 3600000]" in r.stdout
