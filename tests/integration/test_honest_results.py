"""Honest results through the daemon, against the fake worker (tests/fixtures/test_worker.py):
verbose_json carries the worker's avg_logprob / no_speech_prob / compression_ratio /
temperature (not 0.0), timestamp_granularities[]=word gives words monotonic and inside their
segment, srt/vtt cues keep to 2 lines of 42 characters and 7 s (the OpenAI door and
`voice-sidecar transcribe --format`), and word times stay on the recording's timeline when a
new worker instance takes over a recording."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx
import openai
import pytest

from harness import DAEMON, EventCollector, base_config, config_file, subscribers, tone_wav, wait_until

# The fake worker's scores (test_worker.py SCORES): none of them 0.0.
SCORES = {"avg_logprob": -0.31, "no_speech_prob": 0.04, "compression_ratio": 1.37, "temperature": 0.2}
SHORT = "Hello there general Kenobi"
# 70 words, 329 characters: read in 20 s they need several cues, by length and by time.
LONG = ("It was the best of times it was the worst of times it was the age of wisdom it was the age of "
        "foolishness it was the epoch of belief it was the epoch of incredulity it was the season of Light "
        "it was the season of Darkness it was the spring of hope it was the winter of despair we had "
        "everything before us we had nothing before us")


def sdk(d) -> openai.OpenAI:
    return openai.OpenAI(base_url=d.base_url + "/v1", api_key="unused", timeout=60)


def started(make_daemon, *worker_args: str, extra: dict | None = None):
    d = make_daemon(worker_args=worker_args, extra=extra)
    assert d.post("/v1/control/start").status_code == 200
    return d


def upload(d, wav: Path, **fields) -> httpx.Response:
    """A raw multipart upload, so a field can repeat as the SDK sends timestamp_granularities[]."""
    data = {"model": "whisper-1", **fields}  # a list value is sent as that many fields of one name
    with d.client(timeout=60) as c:
        return c.post("/v1/audio/transcriptions", data=data,
                      files={"file": (wav.name, wav.read_bytes(), "audio/wav")})


def assert_words_inside_their_segments(words: list[dict], segments: list[dict]) -> None:
    assert words, "no words"
    starts = [w["start"] for w in words]
    assert starts == sorted(starts), "words run backwards"
    assert all(a["end"] <= b["start"] + 1e-9 for a, b in zip(words, words[1:])), "words overlap"
    for w in words:
        assert w["start"] <= w["end"], w
        assert any(s["start"] - 1e-9 <= w["start"] and w["end"] <= s["end"] + 1e-9 for s in segments), (w, segments)


def cues(document: str, sep: str) -> list[tuple[float, float, list[str]]]:
    """(start s, end s, lines) of every cue of an srt (sep ',') or vtt ('.') document."""
    stamp = r"(\d\d):(\d\d):(\d\d)" + re.escape(sep) + r"(\d\d\d)"
    secs = lambda h, m, s, ms: int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000  # noqa: E731
    out = []
    for block in document.strip().split("\n\n"):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            m = re.fullmatch(stamp + " --> " + stamp, line)
            if m:
                out.append((secs(*m.groups()[:4]), secs(*m.groups()[4:]), lines[i + 1:]))
    return out


def assert_readable(document: str, sep: str, finals_text: list[str], time_limit: bool = True) -> None:
    got = cues(document, sep)
    assert got, document
    for start, end, lines in got:
        assert 1 <= len(lines) <= 2, lines
        assert all(0 < len(line) <= 42 for line in lines), lines
        assert start <= end
        if time_limit:
            assert end - start <= 7.0 + 1e-9, (start, end, lines)
    assert [s for s, _, _ in got] == sorted(s for s, _, _ in got)
    assert all(a[1] <= b[0] + 1e-9 for a, b in zip(got, got[1:])), "cues overlap"
    # Every word, whole and in order: none split across lines or cues.
    assert " ".join(" ".join(lines) for _, _, lines in got).split() == " ".join(finals_text).split()


def test_verbose_json_carries_the_workers_scores(make_daemon, workdir: Path) -> None:
    d = started(make_daemon, "--final-text", SHORT, "--final-every-ms", "2000")
    wav = tone_wav(workdir / "tone5.wav", 5.0)
    v = sdk(d).audio.transcriptions.create(model="whisper-1", file=wav.open("rb"), response_format="verbose_json")
    assert len(v.segments) == 3, v.segments  # 2 s, 2 s, and the flush's last second
    for s in v.segments:
        for key, value in SCORES.items():
            assert getattr(s, key) == pytest.approx(value), (key, s)
    assert v.language == "english"
    assert v.words is None, "words were not asked for"


def test_words_come_back_monotonic_and_inside_their_segment(make_daemon, workdir: Path) -> None:
    # stt.word_timestamps reaches the worker as VOICE_WORKER_WORD_TIMESTAMPS, which the test worker reads too.
    d = started(make_daemon, "--final-text", SHORT, "--final-every-ms", "1500",
                extra={"stt": {"word_timestamps": True}})
    wav = tone_wav(workdir / "tone5.wav", 5.0)
    v = sdk(d).audio.transcriptions.create(model="whisper-1", file=wav.open("rb"), response_format="verbose_json",
                                           timestamp_granularities=["word", "segment"])
    segments = [s.model_dump() for s in v.segments]
    words = [w.model_dump() for w in v.words]
    assert len(segments) == 4, segments  # 1.5 s each, and the last 0.5 s
    assert [w["word"] for w in words] == SHORT.split() * 4
    assert_words_inside_their_segments(words, segments)
    assert words[-1]["end"] == pytest.approx(5.0, abs=0.02)

    # Words alone, as OpenAI answers them: no segments; the field given without [] repeats too.
    r = upload(d, wav, response_format="verbose_json", **{"timestamp_granularities": ["word"]})
    assert r.status_code == 200, r.text
    assert "segments" not in r.json() and len(r.json()["words"]) == len(words)


def test_word_granularity_without_word_timings_answers_with_segments_only(make_daemon, workdir: Path) -> None:
    d = started(make_daemon, "--final-text", SHORT)  # a worker not configured for word timestamps
    wav = tone_wav(workdir / "tone2.wav", 2.0)
    r = upload(d, wav, response_format="verbose_json", **{"timestamp_granularities[]": "word"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "words" not in body, "no invented word times"
    assert [s["text"] for s in body["segments"]] == [" " + SHORT]


def test_a_bad_granularity_is_openais_400_naming_the_accepted_values(make_daemon, workdir: Path) -> None:
    d = started(make_daemon)
    wav = tone_wav(workdir / "tone1.wav", 1.0)
    with pytest.raises(openai.BadRequestError) as e:
        sdk(d).audio.transcriptions.create(model="whisper-1", file=wav.open("rb"), response_format="verbose_json",
                                           timestamp_granularities=["character"])  # type: ignore[list-item]
    assert e.value.status_code == 400
    assert "'word' and 'segment'" in str(e.value) and "'character'" in str(e.value)
    assert e.value.body["param"] == "timestamp_granularities"


@pytest.mark.parametrize("words", [True, False], ids=["word-timings", "no-word-timings"])
def test_subtitles_keep_to_two_lines_of_42_and_seven_seconds(make_daemon, workdir: Path, words: bool) -> None:
    d = started(make_daemon, "--final-text", LONG, "--final-every-ms", "20000", *(["--words"] if words else []))
    wav = tone_wav(workdir / "tone40.wav", 40.0)
    client = sdk(d)
    srt = client.audio.transcriptions.create(model="whisper-1", file=wav.open("rb"), response_format="srt")
    vtt = client.audio.transcriptions.create(model="whisper-1", file=wav.open("rb"), response_format="vtt")
    assert vtt.startswith("WEBVTT")
    # Without word times a final is cut by characters only: its times are a guess (docs/openapi.yaml).
    assert_readable(srt, ",", [LONG, LONG], time_limit=words)
    assert_readable(vtt, ".", [LONG, LONG], time_limit=words)
    assert len(cues(srt, ",")) >= 8  # 329 characters per final cannot fit in fewer than 4 cues
    assert cues(srt, ",")[0][0] == 0.0 and cues(srt, ",")[-1][1] == pytest.approx(40.0, abs=0.02)


def test_transcribe_command_cuts_the_same_cues(workdir: Path) -> None:
    config = config_file(workdir, base_config(workdir, None, ("--final-text", LONG, "--final-every-ms", "20000",
                                                              "--words")))
    wav = tone_wav(workdir / "tone40.wav", 40.0)
    r = subprocess.run([str(DAEMON), "transcribe", "--config", str(config), "--format", "srt", str(wav)],
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    assert_readable(r.stdout.decode(), ",", [LONG, LONG])
    # --format json: each segment with its words, inside it.
    r = subprocess.run([str(DAEMON), "transcribe", "--config", str(config), "--format", "json", str(wav)],
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    segments = json.loads(r.stdout)["segments"]
    assert len(segments) == 2, segments
    for s in segments:
        assert [w["word"] for w in s["words"]] == LONG.split()
        assert_words_inside_their_segments(s["words"], [s])


def test_word_times_stay_on_the_recordings_timeline_across_a_new_worker(make_daemon, workdir: Path) -> None:
    """A restart mid-recording: the new instance's stream time starts at 0 again, its finals and
    their words are moved onto the recording's timeline, after the old instance's."""
    d = started(make_daemon, "--final-text", SHORT, "--final-every-ms", "1000", "--words")
    wav = tone_wav(workdir / "tone6.wav", 6.0)
    events = EventCollector(d)
    try:
        wait_until(lambda: subscribers(d) >= 1, 10, "the SSE subscriber")
        rec = d.post("/v1/recording/start", json={"source": "file", "path": str(wav), "realtime": True}).json()["id"]
        ours = lambda e: e["data"].get("recording") == rec  # noqa: E731
        events.wait_for(lambda e: e.get("event") == "final_text" and ours(e) and e["data"]["text"], 15,
                        "a final of the first instance")
        old_pid = d.worker()["pid"]
        assert d.post("/v1/control/restart").status_code == 200
        wait_until(lambda: (w := d.worker())["state"] == "running" and w["pid"] != old_pid, 30, "a new worker")
        events.wait_for(lambda e: e.get("event") == "recording_stopped" and ours(e), 30, "the recording's end")
        finals = [e["data"] for e in events.of("final_text") if ours(e) and e["data"]["text"]]
    finally:
        events.close()
    assert len(finals) >= 3, finals
    for f in finals:
        assert [w["word"] for w in f["words"]] == [" " + t for t in SHORT.split()]
        assert all(f["start_ms"] <= w["start_ms"] <= w["end_ms"] <= f["end_ms"] for w in f["words"]), f
    every_word = [w for f in finals for w in f["words"]]
    assert [w["start_ms"] for w in every_word] == sorted(w["start_ms"] for w in every_word), "times ran back"
    # The new instance's first final would start at 0 on its own clock.
    assert finals[-1]["start_ms"] >= 2000 and finals[-1]["words"][0]["start_ms"] >= 2000, finals[-1]
