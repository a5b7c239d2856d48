"""The optional models of the catalog (issue 18): `make models` builds them into the venv's model
store, the catalog finds them there, and each decodes what it claims: Whisper base French and
German (asked or detected), Moonshine base-en English within 400 MB, refusing what it cannot do.

The tests on the real models skip, saying why, when `make models` has not been run.
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from voice_worker.config import parse_config
from voice_worker.engines import DecodeOptions, ModelLoadError, UnservableRequest, catalog, store
from voice_worker.engines.loading import resolve_model
from voice_worker.engines.moonshine import MoonshineEngine, loop_period
from worker_harness import BENCH, RATE, Worker, concat, espeak, silence, wer

FRENCH = "Le chat dort tranquillement sur le canapé du salon pendant que la pluie tombe."
GERMAN = "Wir müssen morgen früh den Bericht an die Geschäftsleitung schicken."
ENGLISH = "We should schedule a meeting next week to discuss the new project timeline."
# About 12 s of speech with no pause long enough to end the utterance.
LONG = ("Please send the quarterly report to the finance team before Friday afternoon.",
        "The weather today is sunny with a light breeze coming from the west.",
        "She opened the window and listened to the birds singing in the garden.")
RSS_LIMIT_MB = 400


def _cfg(*argv: str):
    return parse_config(list(argv), {})


def _installed(name: str) -> str:
    entry = catalog.find(name)
    assert entry is not None
    path = entry.locate()
    if path is None:
        pytest.skip(f"{name} is not installed: run `make models` to test it")
    return path


@functools.lru_cache(maxsize=None)
def _say(text: str, voice: str) -> np.ndarray:
    """espeak-ng in another voice than the harness's en-us, as float32 16 kHz."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "--stdout", text], check=True, capture_output=True).stdout
    raw = subprocess.run(["sox", "-t", "wav", "-", "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer",
                          "-t", "raw", "-"], input=wav, check=True, capture_output=True).stdout
    return np.frombuffer(raw, "<i2").astype(np.float32) / 32768


def _words(text: str) -> set[str]:
    return set(text.lower().replace(".", " ").replace(",", " ").split())


# --- the store and the catalog, without the models ---------------------------------------------

@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(store, "root", lambda: tmp_path)
    return tmp_path


def _fake_model(root: Path, name: str, files: dict[str, str]) -> Path:
    d = root / name
    d.mkdir()
    for file, text in files.items():
        (d / file).write_text(text)
    (d / store.STAMP).write_text("test\n")
    return d


def test_a_model_not_installed_is_a_load_error_naming_the_installed_ones_and_make_models(empty_store) -> None:
    with pytest.raises(ModelLoadError) as err:
        resolve_model(_cfg("--model", "base"))
    message = str(err.value)
    assert "model base is not installed" in message and "`make models`" in message
    assert "installed: tiny.en" in message and "moonshine" not in message
    assert [m.name for m in catalog.installed()] == ["tiny.en"]


def test_a_half_built_model_does_not_count_as_installed(empty_store) -> None:
    (empty_store / "whisper-base-1.0.0").mkdir()  # no stamp: a crashed build
    assert catalog.find("base").locate() is None  # type: ignore[union-attr]


def test_building_is_once_and_all_or_nothing(empty_store) -> None:
    calls = []

    def build(tmp: Path) -> str:
        calls.append(tmp)
        (tmp / "weights").write_text("w")
        return "stamp\n"

    def broken(tmp: Path) -> str:
        (tmp / "weights").write_text("half")
        raise ValueError("sha256 mismatch")

    with pytest.raises(ValueError):
        store.build_once("m-1", broken)
    assert list(empty_store.iterdir()) == []  # nothing half-built left behind
    path, built = store.build_once("m-1", build)
    assert built and (path / "weights").read_text() == "w" and (path / store.STAMP).read_text() == "stamp\n"
    assert store.build_once("m-1", build) == (path, False) and len(calls) == 1


def test_a_catalog_name_brings_its_engine_and_each_engine_its_default(empty_store) -> None:
    moon = _fake_model(empty_store, "moonshine-base-en-0.1.4", {})
    assert resolve_model(_cfg("--engine", "moonshine")) == ("moonshine", str(moon), "moonshine-base-en")
    # Only moonshine runs moonshine-base-en: stt.engine left at its default does not stop it.
    assert resolve_model(_cfg("--model", "moonshine-base-en")) == ("moonshine", str(moon), "moonshine-base-en")
    assert resolve_model(_cfg("--engine", "moonshine", "--model", "tiny.en"))[0] == "faster-whisper"


def test_the_multilingual_languages_are_the_models_own(tmp_path: Path) -> None:
    lang_ids = [50259, 50260]  # the model knows en and zh only
    (tmp_path / "config.json").write_text(json.dumps({"lang_ids": lang_ids}))
    tokens = [{"id": 50259, "content": "<|en|>"}, {"id": 50260, "content": "<|zh|>"},
              {"id": 50358, "content": "<|yue|>"}]
    (tmp_path / "tokenizer.json").write_text(json.dumps({"added_tokens": tokens}))
    assert catalog.whisper_languages(str(tmp_path)) == ("en", "zh")


def test_a_moonshine_directory_without_the_converted_model_says_make_models(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"no encoder_model.onnx.*`make models` builds moonshine-base-en"):
        MoonshineEngine(str(tmp_path), "moonshine-base-en", 1)


def test_the_loop_guard_cuts_a_restarted_sentence() -> None:
    sentence = [11, 12, 13, 14, 15]
    assert loop_period(sentence + sentence + sentence[:3]) == 5
    assert loop_period(sentence + [16, 17, 18]) == 0


def test_make_models_again_builds_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from voice_worker import models

    for name in ("base", "moonshine-base-en"):
        _installed(name)
    assert models.main(["install"]) == 0
    out = capsys.readouterr().out
    assert out.count("already built") == 2, out
    with pytest.raises(SystemExit):
        models.main(["install", "large-v3"])
    assert "no installer for large-v3: choose from base, moonshine-base-en" in capsys.readouterr().err


def test_the_installed_base_has_its_99_languages_and_no_yue() -> None:
    _installed("base")
    languages = catalog.find("base").languages()  # type: ignore[union-attr]
    assert len(languages) == 99 and "yue" not in languages and {"fr", "de", "en"} <= set(languages)
    assert {"name": "base", "engine": "faster-whisper", "languages": list(languages), "translate": True} \
        in catalog.described()


# --- Whisper base ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base():
    path = _installed("base")
    from voice_worker.engines.faster_whisper import FasterWhisperEngine

    return FasterWhisperEngine(path, "base", cpu_threads=2)


@pytest.mark.real_model
@pytest.mark.parametrize("text, language, expected", [
    (FRENCH, "fr", {"chat", "pendant", "que", "tombe"}),  # measured: "le chat non tant qu'il ... la plie tombe."
    (GERMAN, "de", {"wir", "müssen", "morgen", "bericht", "schicken"}),
])
def test_base_transcribes_the_language_asked_as_that_language(base, text, language, expected) -> None:
    r = base.transcribe(_say(text, language), final=True, options=DecodeOptions(language=language))
    assert r is not None and r.language == language
    assert len(expected & _words(r.text)) >= len(expected) - 1, r.text
    assert r.avg_logprob is not None and r.avg_logprob < 0 and r.no_speech_prob is not None


@pytest.mark.real_model
@pytest.mark.parametrize("text, language", [(FRENCH, "fr"), (GERMAN, "de")])
def test_base_detects_the_language_when_asked_for_auto(base, text, language) -> None:
    r = base.transcribe(_say(text, language), final=True, options=DecodeOptions(language="auto"))
    assert r is not None and r.language == language, r


@pytest.mark.real_model
def test_a_base_worker_serves_french_end_to_end() -> None:
    _installed("base")
    french = (_say(FRENCH, "fr") * 32768).astype(np.int16)
    with Worker("--model", "base", "--language", "fr") as w:
        assert w.ready["model"] == "base" and len(w.ready["languages"]) == 99 and "fr" in w.ready["languages"]
        last = w.stream(concat([silence(0.5), french, silence(1.0)]))
        w.send({"type": "flush"})
        final = w.wait_for(lambda e: e["type"] == "final_text", timeout=90).event
        w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == last, timeout=90)
    # Measured: "Recha non tant qu'il m'a souder capé du salon pendant que la pli tombe." (espeak's
    # French is poor, and the VAD's edges differ from the in-process test's).
    assert final["language"] == "fr", final
    assert len({"chat", "salon", "pendant", "que", "tombe"} & _words(final["text"])) >= 3, final


@pytest.mark.real_model
def test_base_refuses_a_language_it_does_not_have(base) -> None:
    with pytest.raises(UnservableRequest, match="model base does not know that language.*'yue'"):
        base.check(DecodeOptions(language="yue"))


# --- Moonshine base-en ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def moonshine() -> MoonshineEngine:
    return MoonshineEngine(_installed("moonshine-base-en"), "moonshine-base-en", cpu_threads=2)


@pytest.mark.real_model
def test_moonshine_transcribes_english_with_its_own_confidence(moonshine) -> None:
    r = moonshine.transcribe(espeak(ENGLISH).astype(np.float32) / 32768, final=True,
                             options=DecodeOptions(word_timestamps=True))
    assert r is not None and wer(ENGLISH, r.text) <= 0.3, r.text
    assert r.language == "en" and r.temperature == 0.0 and r.words == ()  # no timings from Moonshine
    assert r.avg_logprob is not None and -1.5 < r.avg_logprob < 0
    assert r.confidence == pytest.approx(np.exp(r.avg_logprob))
    assert r.no_speech_prob is None and r.compression_ratio is None  # unknown, not a made-up 0.0


@pytest.mark.real_model
def test_moonshine_gives_nothing_for_too_little_audio(moonshine) -> None:
    assert moonshine.transcribe(np.zeros(800, np.float32), final=True) is None
    assert moonshine.transcribe(np.zeros(0, np.float32), final=False) is None


@pytest.mark.real_model
@pytest.mark.parametrize("options, says", [
    (DecodeOptions(language="fr"), "English-only: it cannot transcribe language 'fr' (it serves: en)"),
    (DecodeOptions(task="translate"), "English-only: it cannot translate"),
    (DecodeOptions(initial_prompt="Names: Siobhan."), "takes no prompt or hotwords"),
])
def test_moonshine_refuses_what_it_cannot_do(moonshine, options, says) -> None:
    with pytest.raises(UnservableRequest, match=says.replace("(", r"\(").replace(")", r"\)")):
        moonshine.transcribe(espeak(ENGLISH).astype(np.float32) / 32768, final=True, options=options)


@pytest.mark.real_model
def test_a_moonshine_worker_refuses_french_at_load_naming_what_it_serves() -> None:
    _installed("moonshine-base-en")
    with Worker("--engine", "moonshine", "--language", "fr", expect_ready=False) as w:
        err = w.wait_for(lambda e: e["type"] == "error", timeout=60).event
        assert w.wait_exit(10) == 3
    assert err["code"] == "MODEL_LOAD_FAILED"
    assert "moonshine-base-en is English-only" in err["message"] and "it serves: en" in err["message"]


def _vm_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.real_model
def test_a_moonshine_worker_stays_within_400_mb_after_a_12_s_utterance() -> None:
    _installed("moonshine-base-en")
    audio = concat([silence(0.5)] + [p for s in LONG for p in (espeak(s), silence(0.15))] + [silence(1.0)])
    assert len(audio) / RATE >= 12
    with Worker("--engine", "moonshine", "--cpu-threads", "2") as w:
        assert w.ready["engine"] == "moonshine" and w.ready["model"] == "moonshine-base-en"
        assert w.ready["languages"] == ["en"]
        last = w.stream(audio)
        w.send({"type": "flush"})
        w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == last, timeout=120)
        finals = [e for e in w.events("final_text")]
        rss = _vm_rss_mb(w.proc.pid)
        w.send({"type": "shutdown"})
        assert w.wait_exit(30) == 0
    longest = max(finals, key=lambda e: e["end_ms"] - e["start_ms"])
    assert longest["end_ms"] - longest["start_ms"] >= 11000, finals  # one utterance, not many short ones
    assert wer(" ".join(LONG), " ".join(e["text"] for e in finals)) <= 0.3, finals
    BENCH["moonshine_worker"] = {"rss_mb_after_12s_utterance": round(rss)}
    assert rss <= RSS_LIMIT_MB, f"worker RSS {rss:.0f} MB after a 12 s utterance"
