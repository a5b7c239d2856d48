"""Four recordings at once through one worker and one model, each through a different door — a
file at real time, POST /v1/audio, the WebSocket and a Wyoming client — with an OpenAI request
beside them (issue 17, "four doors at once"). Each gets exactly its own text, with no word of
another stream; every frame is acknowledged and none lost; and GET /v1/events?recording=ID
carries only that recording's events."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from pathlib import Path

import numpy as np
import openai
import pytest
from websockets.sync.client import connect
from wyoming.client import AsyncTcpClient

from harness import Daemon, free_port, speech_samples, wait_until, write_wav
from test_audio_realworker import real_worker_config, wer, words
from test_recordings_api import recording_events
from test_wyoming import transcribe

pytestmark = pytest.mark.real_model

# Five speakers, each with words no other one says.
SPOKEN = {
    "file": ["My grandmother grows tomatoes and green beans in her garden every summer."],
    "upload": ["The children played football in the park until it started raining."],
    "websocket": ["He bought a new bicycle with a bright red frame and silver wheels."],
    "wyoming": ["The orange submarine drifted slowly past the lighthouse."],
    "openai": ["Seven purple umbrellas were hanging in the hallway."],
}
MAX_WER = 0.3
FRAME_BYTES = 320


def own_words(door: str) -> set[str]:
    mine = set(words(" ".join(SPOKEN[door])))
    others = set(words(" ".join(s for d, ss in SPOKEN.items() if d != door for s in ss)))
    return mine - others - {"the", "a", "in", "at", "on", "and", "with", "were", "was", "her", "it"}


def assert_own_text(door: str, text: str) -> None:
    heard = words(text)
    assert wer(words(" ".join(SPOKEN[door])), heard) <= MAX_WER, (door, text)
    for other in SPOKEN:
        if other != door:
            stray = own_words(other) & set(heard)
            assert not stray, f"{door} heard {stray} of {other}'s speech: {text!r}"


@pytest.fixture(scope="module")
def doors(tmp_path_factory) -> tuple[Daemon, int, Path, dict[str, np.ndarray]]:
    workdir = tmp_path_factory.mktemp("doors")
    wyoming_port = free_port()
    config = real_worker_config(workdir, buffer_seconds=15)
    config["audio"]["max_recordings"] = 5
    config["wyoming"] = {"listen": f"tcp://127.0.0.1:{wyoming_port}"}
    d = Daemon(config=config, workdir=workdir).start()
    try:
        assert d.post("/v1/control/start", timeout=120).status_code == 200, d.log()[-3000:]
        pcm = {door: speech_samples(s, workdir, 0.6, lead_s=0.5, tail_s=1.5)[0] for door, s in SPOKEN.items()}
        yield d, wyoming_port, workdir, pcm
    finally:
        d.stop()


def post_audio_at_real_time(d: Daemon, pcm: np.ndarray) -> dict:
    raw = pcm.astype("<i2").tobytes()
    with socket.create_connection(("127.0.0.1", d.port), timeout=120) as s:
        s.sendall(b"POST /v1/audio HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  b"Content-Type: audio/L16;rate=16000;channels=1\r\nTransfer-Encoding: chunked\r\n\r\n")
        t0 = time.monotonic()
        for k in range(0, len(raw), 10 * FRAME_BYTES):  # 100 ms chunks, paced to the audio clock
            time.sleep(max(0.0, t0 + k / 32000 - time.monotonic()))
            chunk = raw[k:k + 10 * FRAME_BYTES]
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), reply[:500]
    return json.loads(body)


def websocket_at_real_time(d: Daemon, pcm: np.ndarray) -> dict:
    raw = pcm.astype("<i2").tobytes()
    url = f"ws://127.0.0.1:{d.port}/v1/audio/ws"
    with connect(url, subprotocols=["voice-sidecar.audio.v1"], open_timeout=10) as ws:
        t0 = time.monotonic()
        for k in range(0, len(raw), 10 * FRAME_BYTES):
            time.sleep(max(0.0, t0 + k / 32000 - time.monotonic()))
            ws.send(raw[k:k + 10 * FRAME_BYTES])
        ws.send(json.dumps({"type": "end"}))
        return json.loads(ws.recv(timeout=120))


def wyoming_at_real_time(port: int, pcm: np.ndarray) -> str:
    async def run() -> str:
        async with AsyncTcpClient("127.0.0.1", port) as client:
            heard = await transcribe(client, pcm)
            return heard.transcript
    return asyncio.run(run())


def test_four_doors_and_an_openai_request_at_once_each_get_their_own_text(doors):
    d, wyoming_port, workdir, pcm = doors
    file_wav = write_wav(workdir / "file.wav", pcm["file"])
    openai_wav = write_wav(workdir / "openai.wav", pcm["openai"])
    results: dict[str, object] = {}

    def run(door: str, fn, *args) -> None:
        try:
            results[door] = fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported by the asserts below
            results[door] = exc

    started = d.post("/v1/recordings", json={"source": "file", "path": str(file_wav), "realtime": True})
    assert started.status_code == 201, started.text
    file_id = started.json()["id"]
    sdk = openai.OpenAI(base_url=d.base_url + "/v1", api_key="unused", timeout=120, max_retries=0)
    threads = [
        threading.Thread(target=run, args=("file_events", recording_events, d, file_id, 120)),
        threading.Thread(target=run, args=("upload", post_audio_at_real_time, d, pcm["upload"])),
        threading.Thread(target=run, args=("websocket", websocket_at_real_time, d, pcm["websocket"])),
        threading.Thread(target=run, args=("wyoming", wyoming_at_real_time, wyoming_port, pcm["wyoming"])),
        threading.Thread(target=run, args=("openai", lambda: sdk.audio.transcriptions.create(
            model="whisper-1", file=openai_wav.open("rb")).text)),
    ]
    for t in threads:
        t.start()
    # All five run together: that is the point of the test.
    wait_until(lambda: len([r for r in d.get("/v1/recordings").json()["recordings"] if r["state"] == "recording"]) >= 4,
               30, "four or more recordings running at once")
    for t in threads:
        t.join(180)
    for door, r in results.items():
        assert not isinstance(r, Exception), (door, r, d.log()[-3000:])

    # The file: its own stream carries only its own events, ends after its recording_stopped,
    # and its finals are its text.
    file_events = results["file_events"]
    assert file_events[-1]["event"] == "recording_stopped", file_events[-3:]
    assert all(e["data"].get("recording") == file_id for e in file_events), \
        {e["data"].get("recording") for e in file_events}
    assert_own_text("file", " ".join(e["data"]["text"] for e in file_events if e["event"] == "final_text"))

    recordings = {r["id"]: r for r in d.get("/v1/recordings").json()["recordings"]}
    for door in ("upload", "websocket"):
        rec = results[door]
        assert rec["frames_lost"] == 0 and rec["frames_acked"] == rec["frames_captured"], (door, rec)
        finals = [e["data"]["text"] for e in recording_events(d, rec["id"]) if e["event"] == "final_text"]
        assert_own_text(door, " ".join(finals))
    assert_own_text("wyoming", results["wyoming"])
    assert_own_text("openai", results["openai"])
    for rec in recordings.values():
        assert rec["state"] == "stopped" and rec["frames_lost"] == 0, rec
        assert rec["frames_acked"] == rec["frames_captured"], rec
