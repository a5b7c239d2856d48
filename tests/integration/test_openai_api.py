"""POST /v1/audio/transcriptions and GET /v1/models through the official `openai` SDK (pinned in
requirements.txt), with base_url pointed at the real daemon running the real worker (tiny.en):
every response_format and streaming return the spoken text (word error rate against the
espeak-ng sentences), subtitles carry the sentences' times, any audio libsndfile reads goes
through, and refusals are the SDK's own exceptions carrying our message. Also the same
subtitles from `voice-sidecar transcribe FILE --format`."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import openai
import pytest

from harness import DAEMON, Daemon, speech_samples, write_wav
from test_audio_realworker import SENTENCES, real_worker_config, wer, words

pytestmark = pytest.mark.real_model

TOKEN = "sk-test-voice-sidecar"
# tiny.en gives these the same transcript wherever the VAD cuts them (measured over 16
# lead/tail paddings); SENTENCES[0] and [1] swing from 0.17 to 0.5 WER with the cut.
SPOKEN = [SENTENCES[2], SENTENCES[8], SENTENCES[9]]
MAX_WER = 0.25


@pytest.fixture(scope="module")
def served() -> tuple[Daemon, Path, list[tuple[float, float]]]:
    """The real daemon with a token (the API key) and the real worker, and a spoken WAV."""
    workdir = Path(tempfile.mkdtemp(prefix="vs-oai-"))
    config = real_worker_config(workdir)
    config["auth"] = {"token": TOKEN}
    d = Daemon(config=config, workdir=workdir).start()
    try:
        with d.client(token=TOKEN, timeout=90) as c:
            r = c.post("/v1/control/start")
            assert r.status_code == 200, (r.text, d.log()[-3000:])
        pcm, spans = speech_samples(SPOKEN, workdir, 0.6, lead_s=0.5, tail_s=1.0)
        wav = write_wav(workdir / "speech.wav", pcm)
        yield d, wav, spans
    finally:
        d.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def sdk(d: Daemon, **kw) -> openai.OpenAI:
    return openai.OpenAI(base_url=d.base_url + "/v1", api_key=kw.pop("api_key", TOKEN), timeout=120, **kw)


def assert_spoken(text: str) -> None:
    rate = wer(words(" ".join(SPOKEN)), words(text))
    assert rate <= MAX_WER, (rate, text)


def cue_times(document: str, sep: str) -> list[tuple[float, float]]:
    stamp = r"(\d\d):(\d\d):(\d\d)" + re.escape(sep) + r"(\d\d\d)"
    secs = lambda h, m, s, ms: int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000  # noqa: E731
    return [(secs(*m.groups()[:4]), secs(*m.groups()[4:]))
            for m in re.finditer(stamp + " --> " + stamp, document)]


def cue_texts(document: str) -> str:
    keep = [line for line in document.splitlines()
            if line and line != "WEBVTT" and "-->" not in line and not line.isdigit()]
    return " ".join(keep)


def assert_times_follow_the_speech(times: list[tuple[float, float]], spans: list[tuple[float, float]]) -> None:
    assert times, "no cues"
    starts = [s for s, _ in times]
    assert starts == sorted(starts)
    assert all(s <= e for s, e in times)
    # Every cue lies within the audio, near the speech it transcribes (VAD pre-roll, padding).
    assert times[0][0] >= spans[0][0] - 0.7 and times[-1][1] <= spans[-1][1] + 1.5, (times, spans)


def test_models_lists_the_workers_model(served) -> None:
    d, _, _ = served
    ids = [m.id for m in sdk(d).models.list()]
    assert ids[0] == d.get("/v1/health").json()["worker"]["model"] == "tiny.en", ids
    assert "whisper-1" in ids


@pytest.mark.parametrize("fmt", ["json", "text", "srt", "vtt", "verbose_json"])
def test_each_response_format_returns_the_spoken_text(served, fmt: str) -> None:
    d, wav, spans = served
    with wav.open("rb") as f:
        got = sdk(d).audio.transcriptions.create(model="whisper-1", file=f, response_format=fmt)
    print(fmt, repr(got)[:400])
    if fmt == "json":
        assert_spoken(got.text)
    elif fmt == "text":
        assert isinstance(got, str)
        assert_spoken(got)
    elif fmt in ("srt", "vtt"):
        assert isinstance(got, str)
        assert got.startswith("WEBVTT\n\n" if fmt == "vtt" else "1\n")
        assert_spoken(cue_texts(got))
        assert_times_follow_the_speech(cue_times(got, "," if fmt == "srt" else "."), spans)
    else:
        assert_spoken(got.text)
        assert abs(got.duration - spans[-1][1] - 1.0) < 0.2, got.duration
        assert got.segments and " ".join(s.text for s in got.segments).split() == got.text.split()
        assert_times_follow_the_speech([(s.start, s.end) for s in got.segments], spans)


def test_stream_sends_deltas_then_the_whole_text(served) -> None:
    d, wav, _ = served
    with wav.open("rb") as f:
        events = list(sdk(d).audio.transcriptions.create(model="tiny.en", file=f, stream=True))
    types = [e.type for e in events]
    print(types, events[-1])
    assert types[-1] == "transcript.text.done" and types.count("transcript.text.done") == 1
    deltas = [e.delta for e in events if e.type == "transcript.text.delta"]
    assert len(deltas) >= 2, "one delta per final: the text arrives as it is transcribed"
    assert "".join(deltas) == events[-1].text
    assert_spoken(events[-1].text)


def test_any_audio_libsndfile_reads(served) -> None:
    d, wav, _ = served
    flac = wav.with_name("speech44.flac")  # another container, rate and channel count
    subprocess.run(["sox", "-q", str(wav), "-r", "44100", "-c", "2", str(flac)], check=True)
    with flac.open("rb") as f:
        got = sdk(d).audio.transcriptions.create(model="tiny.en", file=f, language="en")
    assert_spoken(got.text)


def test_a_bad_request_is_the_sdks_bad_request_error_with_our_message(served) -> None:
    d, wav, _ = served
    client = sdk(d, max_retries=0)
    with pytest.raises(openai.BadRequestError) as bad_model:
        client.audio.transcriptions.create(model="gpt-4o-transcribe", file=wav.open("rb"))
    assert bad_model.value.param == "model" and bad_model.value.code == "model_not_found"
    assert "'gpt-4o-transcribe' does not exist here" in bad_model.value.message
    with pytest.raises(openai.BadRequestError) as not_audio:
        client.audio.transcriptions.create(model="whisper-1", file=("notes.wav", b"these are not samples"))
    assert not_audio.value.param == "file" and "notes.wav" in not_audio.value.message
    with pytest.raises(openai.BadRequestError) as bad_lang:
        client.audio.transcriptions.create(model="whisper-1", file=wav.open("rb"), language="de")
    assert bad_lang.value.param == "language" and "English only" in bad_lang.value.message


def test_the_bearer_token_is_the_api_key(served) -> None:
    d, wav, _ = served
    with pytest.raises(openai.AuthenticationError):
        sdk(d, api_key="sk-wrong", max_retries=0).models.list()


def test_an_upload_over_the_limit_is_413_in_openais_shape(served) -> None:
    d, _, _ = served
    big = b"\0" * (26 << 20)  # openai.max_upload_mb defaults to 25
    with d.client(token=TOKEN, timeout=60) as c:
        r = c.post("/v1/audio/transcriptions", data={"model": "whisper-1"}, files={"file": ("big.wav", big)})
    assert r.status_code == 413, r.text
    err = r.json()["error"]
    assert err["param"] == "file" and err["code"] == "file_too_large" and "25 MB" in err["message"]
    assert d.get("/v1/health").status_code == 200


def test_no_worker_is_503_with_retry_after(make_daemon, served) -> None:
    _, wav, _ = served
    d = make_daemon()  # the test worker, never started
    with pytest.raises(openai.InternalServerError) as down:
        sdk(d, api_key="unused", max_retries=0).audio.transcriptions.create(model="tiny.en", file=wav.open("rb"))
    assert down.value.status_code == 503
    assert down.value.response.headers["retry-after"] == "5"
    assert "POST /v1/control/start" in down.value.message


@pytest.mark.parametrize("fmt", ["srt", "vtt", "txt", "json"])
def test_transcribe_command_writes_the_same_formats(served, fmt: str) -> None:
    _, wav, spans = served
    r = subprocess.run([str(DAEMON), "transcribe", str(wav), "--format", fmt], capture_output=True, timeout=180)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    out = r.stdout.decode()
    print(out)
    if fmt in ("srt", "vtt"):
        assert out.startswith("WEBVTT\n\n" if fmt == "vtt" else "1\n")
        assert_spoken(cue_texts(out))
        assert_times_follow_the_speech(cue_times(out, "," if fmt == "srt" else "."), spans)
    elif fmt == "txt":
        assert_spoken(out)
    else:
        import json
        doc = json.loads(out)
        assert_spoken(doc["text"])
        assert_times_follow_the_speech([(s["start"], s["end"]) for s in doc["segments"]], spans)
