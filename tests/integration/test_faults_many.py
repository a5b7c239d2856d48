"""Faults while four recordings run through one worker (issue 17): each recording is a stream of
its own (protocol 2), and a fault of the worker reaches all of them the same way
(docs/ARCHITECTURE.md, "Faults and what each does to a recording"):
- the worker SIGKILLed: every recording resumes on the next worker with 0 frames lost;
- the worker SIGSTOPped: the ping check kills and replaces it, 0 frames lost;
- a worker that stops reading stdin, with the ping check told to tolerate it: every recording
  stops with stt_error 5-6 s after the audio stopped going in (ADR-013's rule).
The protocol-speaking test worker stands in for the model; it acks only in-order frames of each
stream, so every frame acknowledged means every frame arrived, in order."""
from __future__ import annotations

import os
import signal
import time

import pytest

from harness import EventCollector, subscribers, tone_wav, wait_until

FILES = 4
SECONDS = 8


def quick_pings(config: dict) -> None:
    config["worker"].update(ping_interval_ms=200, ping_timeout_ms=600, ping_failure_limit=2)
    config["audio"]["max_recordings"] = FILES


def deaf_to_pings(config: dict) -> None:
    """The stuck worker reads nothing, pings included: many missed pongs are tolerated, so the
    rings' overflow, not the ping check, is what acts (as in test_audio_path.py)."""
    config["worker"].update(ping_interval_ms=200, ping_timeout_ms=600, ping_failure_limit=1000)
    config["audio"]["max_recordings"] = FILES


def start_files(d, workdir, seconds: float = SECONDS) -> list[str]:
    ids = []
    for i in range(FILES):
        wav = tone_wav(workdir / f"tone{i}.wav", seconds)
        r = d.post("/v1/recordings", json={"source": "file", "path": str(wav), "realtime": True})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def wait_all_stopped(d, ids: list[str], timeout: float) -> list[dict]:
    return [wait_until(lambda i=i: (r := d.get(f"/v1/recordings/{i}").json())["state"] == "stopped" and r,
                       timeout, f"recording {i} to end") for i in ids]


@pytest.mark.parametrize("fault", [signal.SIGKILL, signal.SIGSTOP], ids=["sigkill", "sigstop"])
def test_a_lost_worker_loses_no_frame_of_any_recording(make_daemon, workdir, fault):
    d = make_daemon(tweak=quick_pings)
    assert d.post("/v1/control/start").status_code == 200
    ids = start_files(d, workdir)
    wait_until(lambda: all(d.get(f"/v1/recordings/{i}").json()["frames_acked"] >= 100 for i in ids), 15,
               "a second of every recording to be acknowledged")
    first = d.worker()
    os.kill(first["pid"], fault)
    assert all(d.get(f"/v1/recordings/{i}").json()["state"] == "recording" for i in ids), "the fault came too late"
    wait_until(lambda: (w := d.worker())["state"] == "running" and w["pid"] != first["pid"], 30,
               "the replacement worker")
    for rec in wait_all_stopped(d, ids, 40):
        assert rec["reason"] == "end_of_file", rec
        assert rec["frames_lost"] == 0 and rec["frames_rejected"] == 0, rec
        assert rec["frames_acked"] == rec["frames_captured"] == SECONDS * 100, rec


def test_a_worker_that_stops_reading_stops_every_recording_in_5_to_6_s(make_daemon, workdir):
    # The worker reads 300 frames in all (of the four recordings together), then nothing more.
    d = make_daemon(worker_args=("--stop-reading-after", "300"), tweak=deaf_to_pings)
    assert d.post("/v1/control/start").status_code == 200
    before = subscribers(d)
    events = EventCollector(d)
    wait_until(lambda: subscribers(d) >= before + 1, 10, "the SSE subscriber")
    began = time.monotonic()
    ids = start_files(d, workdir, seconds=30)
    # Four real-time files feed 400 frames a second: the worker stops reading about 0.75 s in,
    # and each recording's 5 s ring is full about 5 s after that.
    stopped = wait_all_stopped(d, ids, 30)
    for rec in stopped:
        assert rec["reason"] == "overflow", rec
        assert rec["frames_lost"] > 0, rec
    events.wait_for(lambda e: len(events.of("stt_error")) >= FILES, 10, "an stt_error for every recording")
    errors = events.of("stt_error")
    assert sorted(e["data"]["recording"] for e in errors) == sorted(ids), errors
    for e in errors:
        waited = e["t"] - began
        assert 5.0 <= waited <= 0.75 + 6.0 + 1.5, f"stt_error {waited:.2f} s after the audio began"
    events.close()
