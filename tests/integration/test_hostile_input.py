"""Hostile input against the real daemon (issue 16): JSON nested 100,000 deep from the worker
and a WebSocket (S1), files that declare 1 Hz through a file recording and the OpenAI upload
(S2, S10), paths that would make the daemon wait or read what it should not (S3, S7), and every
catchable signal whose default would kill the daemon (S11). Each test fails on the code before
the fix: a crash, a wedge, a transcript of a file it must not read, or a process that died.

The fake worker (tests/fixtures/test_worker.py) stands in for the model: none of this needs one."""
from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import wave
from pathlib import Path

import httpx
import numpy as np
import pytest
from websockets.sync.client import connect

from harness import EventCollector, daemon_pid_rss_kb, subscribers, tone_wav, wait_until

AUDIO_SUBPROTOCOL = "voice-sidecar.audio.v1"


def health_ms(d, samples: int = 5) -> list[float]:
    """The time each of `samples` health checks takes, in ms (fails if any is not 200)."""
    out = []
    with d.client(timeout=10) as c:
        for _ in range(samples):
            t0 = time.monotonic()
            assert c.get("/v1/health").status_code == 200
            out.append((time.monotonic() - t0) * 1000)
    return out


def started(make_daemon, **kw):
    d = make_daemon(**kw)
    assert d.post("/v1/control/start").status_code == 200
    return d


def wav_at(path: Path, rate: int, seconds_of_samples: float = 0, samples: int | None = None) -> Path:
    n = samples if samples is not None else int(rate * seconds_of_samples)
    data = (np.sin(np.arange(n) * 0.3) * 8000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
    return path


# ---- S1: JSON nested deeply -----------------------------------------------------------------------


def test_a_worker_line_nested_100000_deep_is_skipped_while_a_stream_is_open(make_daemon, workdir):
    trigger = workdir / "go-deep"
    d = started(make_daemon, worker_args=("--deep-json-when", str(trigger)))
    before = subscribers(d)
    events = EventCollector(d)
    wait_until(lambda: subscribers(d) >= before + 1, 10, "the SSE subscriber")
    trigger.touch()
    data = lambda e: e.get("data") if isinstance(e.get("data"), dict) else {}  # noqa: E731
    after = events.wait_for(lambda e: data(e).get("text") == "after the deep line", 15, "the line after the deep one")
    assert after["event"] == "partial_text"
    assert not any(data(e).get("text") == "deep" for e in events.events), "the deep line must be skipped"
    assert d.proc.poll() is None
    assert d.get("/v1/health").status_code == 200
    events.close()


def test_a_websocket_text_message_nested_100000_deep_is_refused(make_daemon):
    d = started(make_daemon)
    port = d.config["listen"]["address"].rsplit(":", 1)[1]
    deep = "[" * 100_000 + "]" * 100_000
    with connect(f"ws://127.0.0.1:{port}/v1/audio/ws", subprotocols=[AUDIO_SUBPROTOCOL],
                 open_timeout=10, max_size=None) as ws:
        ws.send(b"\0" * 3200)
        ws.send(deep)
        answer = json.loads(ws.recv(timeout=15))
    assert answer["status"] == 400 and "unexpected text message" in answer["error"], answer
    assert d.proc.poll() is None
    assert d.get("/v1/health").status_code == 200


# ---- S2 and S10: rates that would wedge the resampler ---------------------------------------------


def test_a_file_that_declares_1_hz_is_refused_at_once_by_a_file_recording(make_daemon, workdir):
    d = started(make_daemon)
    one_hz = wav_at(workdir / "one-hz.wav", 1, samples=100_000)  # 200 KB: 27 hours at 1 Hz
    t0 = time.monotonic()
    r = d.post("/v1/recording/start", json={"source": "file", "path": str(one_hz)})
    assert r.status_code == 400, r.text
    assert "1 Hz" in r.json()["error"] and "8000 to 384000 Hz" in r.json()["error"], r.text
    assert time.monotonic() - t0 < 5
    assert d.get("/v1/control/status").json()["recording"]["state"] == "idle"
    assert d.stop() == 0


def test_a_file_that_declares_1_hz_is_refused_at_once_by_the_openai_upload(make_daemon, workdir):
    d = started(make_daemon)
    one_hz = wav_at(workdir / "one-hz.wav", 1, samples=100_000)
    with d.client(timeout=30) as c:
        r = c.post("/v1/audio/transcriptions", data={"model": "whisper-1"},
                   files={"file": ("one-hz.wav", one_hz.read_bytes(), "audio/wav")})
    assert r.status_code == 400, r.text
    assert "1 Hz" in r.json()["error"]["message"], r.text
    assert d.stop() == 0


def test_the_lowest_rate_allowed_resamples_in_linear_time_and_gives_its_memory_back(make_daemon, workdir):
    """8 kHz is the largest upsampling left (x2). Ten minutes of it through a file recording
    at full speed: every frame arrives, and the daemon's RSS comes back within 20 MB."""
    d = started(make_daemon)
    wav = wav_at(workdir / "eight-k.wav", 8000, seconds_of_samples=600)
    baseline = daemon_pid_rss_kb(d.proc.pid)
    r = d.post("/v1/recording/start", json={"source": "file", "path": str(wav)})
    assert r.status_code == 200, r.text
    rec = wait_until(lambda: (s := d.get("/v1/control/status").json()["recording"])["state"] == "stopped" and s,
                     120, "the 10-minute file to be recorded")
    assert rec["reason"] == "end_of_file", rec
    assert rec["frames_captured"] == 60_000 and rec["frames_lost"] == 0, rec
    grown_mb = (daemon_pid_rss_kb(d.proc.pid) - baseline) / 1024
    assert grown_mb < 20, f"RSS grew {grown_mb:.1f} MB"


# ---- S3 and S7: what a file recording may open ----------------------------------------------------


def test_paths_that_would_block_or_leak_are_refused_at_once(make_daemon, workdir):
    d = started(make_daemon)
    fifo = workdir / "fifo.wav"
    os.mkfifo(fifo)
    worker_stderr = f"/proc/{d.proc.pid}/fd/2"
    for path in (str(fifo), worker_stderr, "/proc/self/fd/16", "-", "relative.wav"):
        t0 = time.monotonic()
        r = d.post("/v1/recording/start", json={"source": "file", "path": path})
        assert r.status_code == 404, (path, r.text)
        assert time.monotonic() - t0 < 5, path
    assert max(health_ms(d)) < 1000
    t0 = time.monotonic()
    assert d.stop() == 0
    assert time.monotonic() - t0 < 10


def test_files_outside_audio_file_dirs_get_the_answer_missing_files_get(make_daemon, workdir, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    secret = tone_wav(outside / "secret.wav", 1)
    secret.chmod(0o600)
    allowed = workdir / "allowed"
    allowed.mkdir()
    (allowed / "escape.wav").symlink_to(secret)
    d = started(make_daemon, tweak=lambda c: c["audio"].update(file_dirs=[str(allowed)]))
    answers = {}
    for name, path in (("outside", secret), ("missing", allowed / "missing.wav"),
                       ("symlink out", allowed / "escape.wav"), ("dotdot", allowed / ".." / ".." / secret)):
        r = d.post("/v1/recording/start", json={"source": "file", "path": str(path)})
        assert r.status_code == 404, (name, r.text)
        answers[name] = r.json()["error"].replace(str(path), "PATH")
    assert len(set(answers.values())) == 1, answers
    assert "audio.file_dirs" in answers["missing"]
    inside = tone_wav(allowed / "ok.wav", 1)
    assert d.post("/v1/recording/start", json={"source": "file", "path": str(inside)}).status_code == 200


def test_without_audio_file_dirs_the_recording_api_opens_no_files(make_daemon, workdir):
    d = started(make_daemon, tweak=lambda c: c["audio"].pop("file_dirs"))
    wav = tone_wav(workdir / "tone.wav", 1)
    r = d.post("/v1/recording/start", json={"source": "file", "path": str(wav)})
    assert r.status_code == 403 and "audio.file_dirs" in r.json()["error"], r.text
    # The other sources are not affected.
    assert d.post("/v1/recording/start", json={"source": "stream"}).status_code == 200


# ---- S11: signals --------------------------------------------------------------------------------

IGNORED = ("SIGXFSZ", "SIGPROF", "SIGVTALRM", "SIGSYS", "SIGTRAP", "SIGSTKFLT", "SIGIO", "SIGUSR1")


def wait_log(d, text: str, timeout: float = 10) -> None:
    wait_until(lambda: text in d.log(), timeout, f"the log line {text!r}")


def test_signals_whose_default_would_kill_are_logged_and_ignored(make_daemon):
    d = make_daemon(transport="unix")
    sigs = [getattr(signal, name) for name in IGNORED] + [signal.SIGRTMIN + 2]
    for sig in sigs:
        d.proc.send_signal(sig)
        name = signal.Signals(sig).name if sig != signal.SIGRTMIN + 2 else "SIGRTMIN+2"
        wait_log(d, f"received {name}: ignored (")
        assert d.proc.poll() is None, name
    assert d.get("/v1/health").status_code == 200


@pytest.mark.parametrize("name", ["SIGPWR", "SIGXCPU"])
def test_power_failure_and_the_cpu_limit_shut_down_cleanly(make_daemon, name):
    d = started(make_daemon, transport="unix")
    sock = Path(d.socket_path)
    assert sock.exists()
    d.proc.send_signal(getattr(signal, name))
    assert d.proc.wait(20) == 0
    assert f"received {name}, shutting down (" in d.log()
    assert not sock.exists(), "the socket file must be removed"
