"""GET /v1/audio/ws, the browser microphone's door, driven by the `websockets` package's own
client against the real daemon and the protocol-speaking test worker: PCM sent as binary
messages becomes one recording with nothing lost, {"type":"end"} is answered with the recording,
the bearer token rides in the subprotocol list, and every refusal is a message that says why
(with close code 4000 + the HTTP status) — except a foreign Origin, which gets no upgrade."""
from __future__ import annotations

import base64
import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from harness import wait_until

PROTOCOL = "voice-sidecar.audio.v1"
FRAME_BYTES = 320  # 10 ms of 16 kHz s16 mono


def ws_url(d, query: str = "") -> str:
    return d.base_url.replace("http://", "ws://") + "/v1/audio/ws" + query


def open_audio(d, token: str | None = None, origin: str | None = None, query: str = "") -> ClientConnection:
    protocols = [PROTOCOL]
    if token is not None:
        protocols.append("bearer." + base64.urlsafe_b64encode(token.encode()).decode().rstrip("="))
    return connect(ws_url(d, query), subprotocols=protocols, origin=origin, open_timeout=10)


def refusal(ws: ClientConnection) -> tuple[dict, int]:
    """The one message of a refused socket and its close code."""
    message = json.loads(ws.recv(timeout=10))
    with pytest.raises(Exception):
        ws.recv(timeout=10)
    return message, ws.close_code


def test_pcm_over_a_websocket_is_one_recording_with_nothing_lost(make_daemon):
    d = make_daemon()
    assert d.post("/v1/control/start").status_code == 200
    frames = 300
    with open_audio(d, origin=d.base_url) as ws:
        assert ws.subprotocol == PROTOCOL
        rec = wait_until(lambda: (r := d.get("/v1/control/status").json()["recording"])["state"] == "recording" and r,
                         5, "the recording to start")
        assert rec["source"] == "stream" and rec["input"] == "upload", rec
        # Messages of odd sizes: the daemon cuts frames itself, across message boundaries.
        pcm = b"\x10\x00" * (frames * FRAME_BYTES // 2)
        for i in range(0, len(pcm), 999):
            ws.send(pcm[i:i + 999])
        ws.send(json.dumps({"type": "end"}))
        answer = json.loads(ws.recv(timeout=20))
        with pytest.raises(Exception):
            ws.recv(timeout=10)
        assert ws.close_code == 1000
    assert answer["state"] == "stopped" and answer["reason"] == "end_of_stream", answer
    assert answer["frames_captured"] == frames and answer["frames_acked"] == frames, answer
    assert answer["frames_lost"] == 0 and answer["frames_rejected"] == 0, answer
    # The slot is free again: a second socket records at once.
    with open_audio(d) as ws:
        ws.send(b"\0" * FRAME_BYTES * 10)
        ws.send(json.dumps({"type": "end"}))
        assert json.loads(ws.recv(timeout=20))["frames_acked"] == 10


def test_a_client_that_closes_without_end_still_gets_its_audio_transcribed(make_daemon):
    d = make_daemon()
    assert d.post("/v1/control/start").status_code == 200
    with open_audio(d) as ws:
        ws.send(b"\0" * FRAME_BYTES * 50)
    rec = wait_until(lambda: (r := d.get("/v1/control/status").json()["recording"])["state"] == "stopped" and r,
                     10, "the recording to end")
    assert rec["frames_captured"] == 50 and rec["frames_acked"] == 50 and rec["frames_lost"] == 0, rec


def test_refusals_say_why(make_daemon):
    d = make_daemon()
    # No worker: 4503 with the sentence the HTTP route gives.
    message, code = refusal(open_audio(d))
    assert code == 4503 and message["status"] == 503 and "start it first" in message["error"], message
    assert d.post("/v1/control/start").status_code == 200
    # A stream recording runs.
    r = d.post("/v1/recording/start", json={"source": "stream"})
    assert r.status_code == 200, r.text
    with open_audio(d) as first:  # feeds the running stream recording
        # Naming the recording another socket feeds: one producer at a time.
        message, code = refusal(open_audio(d, query="?recording=" + r.json()["id"]))
        assert code == 4409 and "one producer" in message["error"], message
        # Not naming it: a recording of its own, and no slot is left for one.
        message, code = refusal(open_audio(d))
        assert code == 4503 and "recording slot" in message["error"], message
        # An unknown recording is a plain HTTP 404, like an unknown path.
        with pytest.raises(InvalidStatus) as unknown:
            open_audio(d, query="?recording=rec_000000000000")
        assert unknown.value.response.status_code == 404
        assert b"no running stream recording" in unknown.value.response.body
        first.send(json.dumps({"type": "end"}))
        assert json.loads(first.recv(timeout=10))["state"] == "recording"  # it fed, it did not own
    d.post("/v1/recording/stop")
    # A text message that is not {"type":"end"}: told so, the audio so far still recorded.
    with open_audio(d) as ws:
        ws.send(b"\0" * FRAME_BYTES * 5)
        ws.send("hello")
        message = json.loads(ws.recv(timeout=10))
        with pytest.raises(Exception):
            ws.recv(timeout=10)
        assert ws.close_code == 4400, ws.close_code
    assert "binary messages" in message["error"] and message["recording"]["frames_captured"] == 5, message
    # A page of another origin gets no upgrade at all, and a plain GET is told to upgrade.
    with pytest.raises(InvalidStatus) as refused:
        open_audio(d, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    r = d.get("/v1/audio/ws")
    assert r.status_code == 426 and "WebSocket" in r.json()["error"], r.text
    assert d.get("/v1/control/status").json()["recording"]["state"] != "recording"


def test_the_token_rides_in_the_subprotocol_list(make_daemon):
    d = make_daemon(tweak=lambda c: c.setdefault("auth", {}).update(token="s3cret/+token"))
    assert d.post("/v1/control/start", headers={"Authorization": "Bearer s3cret/+token"}).status_code == 200
    message, code = refusal(open_audio(d))
    assert code == 4401 and "bearer token" in message["error"], message
    message, code = refusal(open_audio(d, token="wrong"))
    assert code == 4401, message
    with open_audio(d, token="s3cret/+token") as ws:
        assert ws.subprotocol == PROTOCOL  # the token is never echoed back
        ws.send(b"\0" * FRAME_BYTES * 20)
        ws.send(json.dumps({"type": "end"}))
        assert json.loads(ws.recv(timeout=20))["frames_acked"] == 20
