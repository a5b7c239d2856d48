"""One first-in first-out admission queue for every door (DESIGN.md §2, issue 17): beyond
audio.max_recordings an HTTP start is 503 with Retry-After naming the capacity, an OpenAI
request waits up to openai.queue_timeout_ms and then gets an OpenAI-shaped 503 (never a 409
telling it to stop another client's job), waiters are admitted in arrival order, and the queue's
length and waits are metrics. The test worker stands in for the model: these are about who gets
a slot and when, not about text."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import openai
import pytest

from harness import wait_until, write_wav



def metric(d, name: str) -> float:
    text = d.get("/v1/metrics").text
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert m, f"{name} not in /v1/metrics"
    return float(m.group(1))


def sdk(d) -> openai.OpenAI:
    return openai.OpenAI(base_url=d.base_url + "/v1", api_key="unused", timeout=60, max_retries=0)


def silence_wav(workdir: Path, name: str, seconds: float = 1.0) -> Path:
    import numpy as np
    return write_wav(workdir / name, np.zeros(int(16000 * seconds), dtype=np.int16))


def test_an_http_start_beyond_capacity_is_503_naming_it(make_daemon):
    d = make_daemon()
    assert d.post("/v1/control/start").status_code == 200
    held = d.post("/v1/recordings", json={"source": "stream"})
    assert held.status_code == 201, held.text
    r = d.post("/v1/recordings", json={"source": "stream"})
    assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1, r.text
    assert "all 1 recording slot is in use (audio.max_recordings = 1)" in r.json()["error"], r.text
    assert metric(d, "voice_sidecar_recordings_active") == 1
    assert metric(d, "voice_sidecar_recordings_capacity") == 1
    assert d.post(f"/v1/recordings/{held.json()['id']}/stop").status_code == 200
    assert d.post("/v1/recordings", json={"source": "stream"}).status_code == 201  # the slot is free again
    d.post("/v1/recording/stop")


def test_an_openai_request_waits_for_a_slot_then_gets_503_at_its_deadline(make_daemon, workdir):
    d = make_daemon(extra={"openai": {"queue_timeout_ms": 1500}})
    assert d.post("/v1/control/start").status_code == 200
    wav = silence_wav(workdir, "a.wav")
    assert d.post("/v1/recordings", json={"source": "stream"}).status_code == 201
    began = time.monotonic()
    with pytest.raises(openai.APIStatusError) as refused:
        sdk(d).audio.transcriptions.create(model="whisper-1", file=wav.open("rb"))
    waited = time.monotonic() - began
    assert refused.value.status_code == 503, refused.value
    assert refused.value.response.headers["retry-after"], refused.value.response.headers
    assert "openai.queue_timeout_ms" in refused.value.message, refused.value.message
    assert 1.4 <= waited <= 1.5 + 5, f"answered after {waited:.2f} s, not at the 1.5 s deadline"
    assert metric(d, "voice_sidecar_admission_queue_length") == 0  # it left the queue
    d.post("/v1/recording/stop")


def test_waiting_requests_are_admitted_first_in_first_out_and_all_succeed(make_daemon, workdir):
    d = make_daemon(extra={"openai": {"queue_timeout_ms": 60000}})
    assert d.post("/v1/control/start").status_code == 200
    held = d.post("/v1/recordings", json={"source": "stream"}).json()
    names = ["first.wav", "second.wav", "third.wav"]
    results: dict[str, object] = {}

    def call(name: str) -> None:
        try:
            results[name] = sdk(d).audio.transcriptions.create(model="whisper-1",
                                                               file=silence_wav(workdir, name).open("rb"))
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            results[name] = exc

    threads = []
    for i, name in enumerate(names):
        t = threading.Thread(target=call, args=(name,))
        t.start()
        threads.append(t)
        # Each joins the queue before the next is sent: arrival order is known.
        wait_until(lambda: metric(d, "voice_sidecar_admission_queue_length") == i + 1, 20,
                   f"{name} to wait in the admission queue")
    assert d.post(f"/v1/recordings/{held['id']}/stop").status_code == 200
    for t in threads:
        t.join(60)
    for name in names:
        assert isinstance(results.get(name), openai.types.audio.Transcription), (name, results.get(name))
    # GET /v1/recordings lists newest first: the reverse of the order they were admitted in.
    inputs = [r["input"] for r in d.get("/v1/recordings").json()["recordings"] if (r["input"] or "").startswith("openai:")]
    assert inputs == ["openai:" + n for n in reversed(names)], inputs
    text = d.get("/v1/metrics").text
    assert re.search(r"^voice_sidecar_admission_wait_seconds_count 4$", text, re.M), text  # held + three
    assert metric(d, "voice_sidecar_admission_queue_length") == 0
