"""Per-request decoding (issue 18): the recording body, OpenAI's fields and Wyoming's transcribe
{name, language} reach the worker as the stream's stream_options; what the worker cannot serve
is refused at the door with the installed models named -- never decoded as English instead."""
from __future__ import annotations

import asyncio
import json
import tempfile
import shutil
from pathlib import Path

import numpy as np
import openai
import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error

from harness import Daemon, espeak_pcm, free_port, speech_samples, tone_wav, wait_until, write_wav
from test_audio_realworker import real_worker_config, wer, words


def recorded_options(path: Path, n: int) -> list[dict]:
    wait_until(lambda: path.exists() and len(path.read_text().splitlines()) >= n, 30, f"{n} stream_options lines")
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_recording_body_and_openai_fields_reach_the_worker(make_daemon, workdir: Path) -> None:
    record = workdir / "options.jsonl"
    d = make_daemon(worker_args=("--record-options", str(record)))
    assert d.post("/v1/control/start").status_code == 200
    r = d.post("/v1/recordings", json={"source": "stream", "model": "tiny.en", "language": "en"})
    assert r.status_code == 201, r.text
    rec = r.json()["id"]
    assert d.post(f"/v1/recordings/{rec}/stop").status_code == 200
    sent = recorded_options(record, 1)
    assert sent[0] == {"type": "stream_options", "stream": rec, "model": "tiny.en", "language": "en"}

    wav = tone_wav(workdir / "tone.wav", 1.0)
    with d.client(timeout=60) as c:
        r = c.post("/v1/audio/transcriptions",
                   data={"model": "whisper-1", "language": "fr", "prompt": "Noms : Anaïs.", "temperature": "0.3",
                         "response_format": "verbose_json", "timestamp_granularities[]": ["word", "segment"]},
                   files={"file": ("tone.wav", wav.read_bytes(), "audio/wav")})
    assert r.status_code == 200, r.text
    last = recorded_options(record, 2)[-1]
    assert {k: v for k, v in last.items() if k != "stream"} == {
        "type": "stream_options", "language": "fr", "prompt": "Noms : Anaïs.", "temperature": 0.3,
        "word_timestamps": True}  # whisper-1 means the loaded model: no "model"


def test_a_bad_language_in_the_recording_body_is_a_400(make_daemon) -> None:
    d = make_daemon()
    assert d.post("/v1/control/start").status_code == 200
    r = d.post("/v1/recordings", json={"source": "stream", "language": "French"})
    assert r.status_code == 400 and "not a language code" in r.json()["error"], r.text


@pytest.fixture(scope="module")
def real_daemon():
    workdir = Path(tempfile.mkdtemp(prefix="vs-dec-"))
    port = free_port()
    config = real_worker_config(workdir)
    config["wyoming"] = {"listen": f"tcp://127.0.0.1:{port}"}
    d = Daemon(config=config, workdir=workdir).start()
    try:
        d.start_worker()
        yield d, port, workdir
    finally:
        d.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def installed(d: Daemon) -> list[str]:
    return [m["id"] for m in d.get("/v1/models").json()["data"]]


async def wyoming_turn(port: int, pcm: np.ndarray, **transcribe) -> object:
    async with AsyncTcpClient("127.0.0.1", port) as c:
        await c.write_event(Transcribe(**transcribe).event())
        await c.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        raw = pcm.astype("<i2").tobytes()
        for i in range(0, len(raw), 4096):
            await c.write_event(AudioChunk(rate=16000, width=2, channels=1, audio=raw[i:i + 4096]).event())
        await c.write_event(AudioStop().event())
        while True:
            ev = await asyncio.wait_for(c.read_event(), 90)
            assert ev is not None, "the server closed the connection"
            if Transcript.is_type(ev.type):
                return Transcript.from_event(ev)
            if Error.is_type(ev.type):
                return Error.from_event(ev)


@pytest.mark.real_model
def test_what_the_model_cannot_serve_is_refused_at_every_door_naming_what_is_installed(real_daemon) -> None:
    d, port, workdir = real_daemon
    assert "tiny.en" in installed(d) and "whisper-1" in installed(d)
    r = d.post("/v1/recordings", json={"source": "stream", "language": "xx"})
    assert r.status_code == 400 and "model tiny.en transcribes English only, not language 'xx'" in r.json()["error"], r.text
    assert "installed: tiny.en (en)" in r.json()["error"]
    r = d.post("/v1/recordings", json={"source": "stream", "model": "large-v3"})
    assert r.status_code == 400 and "model 'large-v3' is not installed; installed: tiny.en" in r.json()["error"]

    wav = write_wav(workdir / "en.wav", speech_samples(["Turn left at the next traffic light."], workdir, 0.5)[0])
    client = openai.OpenAI(base_url=d.base_url + "/v1", api_key="unused", timeout=120)
    with pytest.raises(openai.BadRequestError) as bad:
        client.audio.transcriptions.create(model="tiny.en", file=wav.open("rb"), language="xx")
    assert bad.value.body["param"] == "language" and "installed: tiny.en" in bad.value.body["message"]
    with pytest.raises(openai.BadRequestError) as bad:
        client.audio.transcriptions.create(model="large-v3", file=wav.open("rb"))
    assert bad.value.body["param"] == "model" and "tiny.en" in bad.value.body["message"]

    pcm, _ = speech_samples(["Turn left at the next traffic light."], workdir, 0.5, lead_s=0.3, tail_s=0.8)
    answer = asyncio.run(wyoming_turn(port, pcm, language="xx"))
    assert isinstance(answer, Error) and "English only, not language 'xx'" in answer.text, answer
    answer = asyncio.run(wyoming_turn(port, pcm, name="tiny.en", language="en-US"))  # a region is fine
    assert isinstance(answer, Transcript) and wer(words("Turn left at the next traffic light."),
                                                  words(answer.text)) <= 0.3, answer


@pytest.mark.real_model
def test_a_prompt_per_request_spells_a_rare_name(real_daemon) -> None:
    d, _, workdir = real_daemon
    wav = write_wav(workdir / "name.wav", speech_samples(["Please ask Siobhan to call me back tomorrow."], workdir, 0.5)[0])
    client = openai.OpenAI(base_url=d.base_url + "/v1", api_key="unused", timeout=120)
    plain = client.audio.transcriptions.create(model="whisper-1", file=wav.open("rb")).text
    prompted = client.audio.transcriptions.create(model="whisper-1", file=wav.open("rb"), prompt="Names: Siobhan.").text
    assert "Siobhan" not in plain and "Siobhan" in prompted, (plain, prompted)


@pytest.mark.real_model
def test_the_multilingual_model_per_request_through_openai_and_wyoming(real_daemon) -> None:
    d, port, workdir = real_daemon
    if "base" not in installed(d):
        pytest.skip("the multilingual model is not installed (make models)")
    fr = espeak_pcm("Le chat dort sur le canapé du salon pendant que la pluie tombe.", workdir, voice="fr")
    wav = write_wav(workdir / "fr.wav", np.concatenate([np.zeros(8000, np.int16), fr, np.zeros(12800, np.int16)]))
    client = openai.OpenAI(base_url=d.base_url + "/v1", api_key="unused", timeout=180)
    v = client.audio.transcriptions.create(model="base", file=wav.open("rb"), language="fr",
                                           response_format="verbose_json")
    assert v.language == "french" and {"chat", "salon"} & set(words(v.text)), v.text
    de = espeak_pcm("Wir müssen morgen früh den Bericht an die Geschäftsleitung schicken.", workdir, voice="de")
    pcm = np.concatenate([np.zeros(4800, np.int16), de, np.zeros(12800, np.int16)])
    answer = asyncio.run(wyoming_turn(port, pcm, name="base", language="de"))
    assert isinstance(answer, Transcript) and {"morgen", "bericht"} & set(words(answer.text)), answer
