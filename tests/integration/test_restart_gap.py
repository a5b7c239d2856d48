"""A worker restart longer than the 5 s ring loses no audio (DESIGN.md §4): while no worker is
ready, the recording's frames wait in its pending queue (bounded by audio.replay_seconds) instead
of overflowing the ring, and the next worker gets them all. The fake worker takes 7 s to become
ready, so the gap after a kill is longer than the ring; before the pending queue this recording
ended with `overflow` and hundreds of frames lost."""
from __future__ import annotations

import os
import signal

from harness import EventCollector, subscribers, tone_wav, wait_until

READY_DELAY_MS = 7000


def slow_ready(config: dict) -> None:
    config["worker"].update(start_timeout_ms=30000, ping_interval_ms=200, ping_timeout_ms=1000, ping_failure_limit=2)


def test_a_restart_gap_longer_than_the_ring_loses_nothing(make_daemon, workdir):
    d = make_daemon(worker_args=("--ready-delay-ms", str(READY_DELAY_MS)), tweak=slow_ready)
    assert d.post("/v1/control/start", timeout=60).status_code == 200
    wav = tone_wav(workdir / "tone.wav", 14)
    before = subscribers(d)
    events = EventCollector(d)
    wait_until(lambda: subscribers(d) >= before + 1, 10, "the SSE subscriber")
    r = d.post("/v1/recording/start", json={"source": "file", "path": str(wav), "realtime": True})
    assert r.status_code == 200, r.text
    wait_until(lambda: d.get("/v1/control/status").json()["recording"]["frames_acked"] >= 100, 10,
               "the first second to be acknowledged")
    first = d.worker()

    os.kill(first["pid"], signal.SIGKILL)
    # The next instance is ready READY_DELAY_MS later: longer than the 5 s ring.
    wait_until(lambda: (w := d.worker())["state"] == "running" and w["pid"] != first["pid"], 30,
               "the restarted worker")
    rec = wait_until(lambda: (s := d.get("/v1/control/status").json()["recording"])["state"] == "stopped" and s,
                     40, "the recording to end")
    assert rec["reason"] == "end_of_file", rec
    assert rec["frames_lost"] == 0 and rec["frames_rejected"] == 0, rec
    assert rec["frames_acked"] == rec["frames_captured"] == 1400, rec
    assert not events.of("stt_error") and not events.of("audio_lost")
    events.close()
