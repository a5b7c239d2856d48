"""The stt.* keys (issue 18): listed with their env names, pointed to from a near miss, passed to
the worker at each start (a SIGHUP applies them to the next one), and a language the model
cannot serve refused with the reason -- never decoded as English."""
from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from harness import DAEMON, Daemon, base_config, clean_env, wait_until
from test_audio_realworker import real_worker_config


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)


def test_check_config_keys_lists_the_stt_keys_with_their_env_names() -> None:
    out = subprocess.run([str(DAEMON), "check-config", "--keys"], capture_output=True, text=True,
                         env=clean_env(), timeout=30).stdout
    for key, env in (("stt.model", "STT_MODEL"), ("stt.language", "STT_LANGUAGE"),
                     ("stt.vad.end_silence_ms", "STT_VAD_END_SILENCE_MS"), ("stt.word_timestamps", "STT_WORD_TIMESTAMPS")):
        assert key in out and "JARVIS_VOICE_SIDECAR_" + env in out, key
    assert "reloaded on SIGHUP for the next worker start" in out


def test_a_key_under_the_wrong_section_points_to_the_right_one() -> None:
    r = subprocess.run([str(DAEMON), "check-config", "--set", "worker.model=base"], capture_output=True,
                       text=True, env=clean_env(), timeout=30)
    assert r.returncode == 2
    assert "unknown configuration key (did you mean stt.model?)" in r.stderr


def test_the_worker_gets_the_settings_and_a_reload_applies_them_at_the_next_start(workdir: Path) -> None:
    config = base_config(workdir, "tcp")
    config["stt"] = {"language": "en", "vad": {"end_silence_ms": 600}}
    d = Daemon(config=config, workdir=workdir).start()
    try:
        d.start_worker()
        env = environ_of(d.worker()["pid"])
        assert env["VOICE_WORKER_LANGUAGE"] == "en" and env["VOICE_WORKER_END_SILENCE_MS"] == "600"
        assert env["VOICE_WORKER_WORD_TIMESTAMPS"] == "0" and "VOICE_WORKER_MODEL" not in env

        config["stt"] = {"language": "en", "word_timestamps": True, "vad": {"end_silence_ms": 600}}
        (workdir / "voice-sidecar.yaml").write_text(yaml.safe_dump(config))
        first = d.worker()["pid"]
        d.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "reload: stt.word_timestamps: false -> true (the next worker start uses it" in d.log(),
                   15, "the reload's log line")
        assert environ_of(first)["VOICE_WORKER_WORD_TIMESTAMPS"] == "0"  # a running worker keeps its model
        r = d.post("/v1/control/restart", json={})
        assert r.status_code == 200, r.text
        second = d.worker()["pid"]
        assert second != first and environ_of(second)["VOICE_WORKER_WORD_TIMESTAMPS"] == "1"
    finally:
        d.stop()


@pytest.mark.real_model
def test_a_language_the_model_cannot_serve_is_refused_with_the_reason(workdir: Path) -> None:
    config = real_worker_config(workdir)
    config["stt"] = {"language": "fr"}
    config["backoff"]["max_restarts"] = 0
    d = Daemon(config=config, workdir=workdir).start()
    try:
        r = d.post("/v1/control/start", json={}, timeout=120)
        # The caller reads the worker's own reason, not only its exit code.
        assert r.status_code == 503 and "exit code 3 (MODEL_LOAD_FAILED: model tiny.en is English-only: it " \
            "cannot transcribe language 'fr'" in r.json()["error"], r.text
        assert "restart budget spent" in d.worker()["last_error"] or "English-only" in d.worker()["last_error"]
    finally:
        d.stop()
