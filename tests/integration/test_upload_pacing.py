"""POST /v1/audio at full network speed: a live upload (the default) overflows the 5 s ring like a
microphone would, with the loss said; `?realtime=false` waits on the full ring and loses nothing."""
from __future__ import annotations

AUDIO = "audio/L16;rate=16000;channels=1"


def pcm(seconds: float) -> bytes:
    return (b"\x10\x00" * int(16000 * seconds))


def test_a_recorded_file_uploaded_with_realtime_false_waits_and_loses_nothing(make_daemon):
    d = make_daemon()
    assert d.post("/v1/control/start").status_code == 200
    body = pcm(30)  # six times the ring, sent as fast as the socket takes it
    r = d.post("/v1/audio?realtime=false", content=body, headers={"content-type": AUDIO}, timeout=60)
    assert r.status_code == 200, r.text
    rec = r.json()
    assert rec["reason"] == "end_of_stream"
    assert rec["frames_captured"] == rec["frames_sent"] == rec["frames_acked"] == 3000
    assert rec["frames_rejected"] == 0 and rec["frames_lost"] == 0


def test_a_live_upload_faster_than_real_time_overflows_and_says_so(make_daemon):
    d = make_daemon()
    assert d.post("/v1/control/start").status_code == 200
    r = d.post("/v1/audio", content=pcm(60), headers={"content-type": AUDIO}, timeout=60)
    assert r.status_code == 409, r.text
    body = r.json()
    assert "overflow" in body["error"]
    rec = body["recording"]
    assert rec["reason"] == "overflow" and rec["frames_rejected"] >= 1 and rec["frames_lost"] > 0
    assert rec["frames_acked"] + rec["frames_lost"] == rec["frames_captured"] + rec["frames_rejected"]
