"""`voice-sidecar transcribe` as a person runs it: the real worker, a spoken file, the text on
stdout, the summary, and clear failures."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness import DAEMON

pytestmark = pytest.mark.real_model  # `transcribe` runs the bundled worker


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("speech")
    raw = d / "raw.wav"
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(raw),
                    "The weather is lovely today. Please turn off the kitchen lights."], check=True)
    out = d / "speech44.wav"  # 44.1 kHz stereo: the file source resamples and down-mixes
    subprocess.run(["sox", "-q", str(raw), "-r", "44100", "-c", "2", str(out), "pad", "0", "1"], check=True)
    return out


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(DAEMON), "transcribe", *args], input=stdin, capture_output=True, timeout=120)


def test_json_events_end_with_a_summary_that_counts_every_frame(speech: Path) -> None:
    r = run("--json", str(speech))
    assert r.returncode == 0, r.stderr.decode()
    lines = [json.loads(line) for line in r.stdout.decode().splitlines()]
    summary = lines[-1]
    assert summary["type"] == "summary"
    assert summary["frames_lost"] == 0
    assert summary["frames_sent"] == summary["frames_acked"] > 0
    assert set(summary) >= {"frames_sent", "frames_acked", "frames_lost", "rtf", "final_latency_ms_p50",
                            "final_latency_ms_p95"}
    text = " ".join(e["text"] for e in lines if e["type"] == "final_text").lower()
    assert "lovely" in text and "kitchen" in text, text
    types = [e["type"] for e in lines]
    assert types.index("recording_started") < types.index("final_text") < types.index("recording_stopped")


def test_piped_output_is_one_plain_line_per_final_and_stdin_works(speech: Path) -> None:
    r = run("-", stdin=speech.read_bytes())
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode().splitlines()
    assert out and all(not line.startswith("{") and "\x1b" not in line for line in out)
    assert "kitchen" in " ".join(out).lower()
    assert "real-time factor" in r.stderr.decode() and "lost 0" in r.stderr.decode()


def test_a_missing_file_fails_at_once_naming_it() -> None:
    r = run("/no/such/talk.wav")
    assert r.returncode == 1
    assert "/no/such/talk.wav" in r.stderr.decode()
    assert r.stdout == b""


def test_no_file_and_no_mic_is_a_usage_error() -> None:
    r = run()
    assert r.returncode == 2
    assert "FILE" in r.stderr.decode()
