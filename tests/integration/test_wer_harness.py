"""bench/wer.py, the project's one word error rate: what its normaliser forgives (spellings of the
same words) and what it must not (a different word), jiwer's S/D/I counts, word-weighted corpus
and per-speaker scores, and the CLI end to end on a two-file corpus through the echo engine (no
model: it answers "echo <ms> ms rms <level>")."""
from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.append(str(REPO / "bench"))
import wer  # noqa: E402


@pytest.mark.parametrize("reference, hypothesis", [
    ("Good-bye.", "goodbye"),
    ("Call-Forward on No Answer.", "call forward on no answer"),
    ("Login incorrect. Mailbox?", "Log in incorrect, mail box."),
    ("ten of clubs", "10 of clubs"),
    ("I am sorry, we are closed", "I'm sorry, we're closed"),
    ("It\u2019s set up", "it's setup"),
    ("You can not send it at any time, mister Dashwood", "You cannot send it at anytime, Mr. Dashwood"),
    ("go forward ten meters", "Go forward ten metres."),
    ("  Extra   spaces\there ", "extra spaces here"),
])
def test_spellings_of_the_same_words_are_not_errors(reference: str, hypothesis: str) -> None:
    assert wer.wer(reference, hypothesis) == 0.0, (wer.words(reference), wer.words(hypothesis))


@pytest.mark.parametrize("reference, hypothesis, expected", [
    ("Comedian Mail", "Comedienne Mail", (1, 0, 0)),
    ("the ten of clubs", "ten of clubs", (0, 1, 0)),
    ("left click", "left click here", (0, 0, 1)),
    ("twenty one", "21", (1, 1, 0)),  # only 0-20 are mapped: 21 stays a different word
])
def test_real_differences_are_counted_as_substitutions_deletions_insertions(
        reference: str, hypothesis: str, expected: tuple[int, int, int]) -> None:
    r = wer.measure(reference, hypothesis)
    assert (r.substitutions, r.deletions, r.insertions) == expected
    assert r.wer == pytest.approx(sum(expected) / len(reference.split()))


def test_empty_sides_and_word_lists() -> None:
    assert wer.measure("", "hello there").insertions == 2
    assert wer.wer("two words", "") == 1.0
    # The tests' older calling style: word lists in, same score.
    assert wer.wer(wer.words("The cat sat"), wer.words("the hat sat")) == pytest.approx(1 / 3)


def test_corpus_and_speaker_scores_are_word_weighted() -> None:
    rows = [("long", "a b c d e f g h i j", "a b c d e f g h i x"), ("short", "yes", "no")]
    assert wer.corpus_wer((r, h) for _, r, h in rows).wer == pytest.approx(2 / 11)
    speakers = wer.by_speaker(rows)
    assert list(speakers) == ["long", "short"]
    assert (speakers["long"].wer, speakers["short"].wer) == (pytest.approx(0.1), 1.0)
    assert wer.speaker_macro(speakers) == pytest.approx(0.55)


def write_wav(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(np.zeros(int(seconds * 16000), dtype=np.int16).tobytes())


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "bench" / "wer.py"), *args], capture_output=True,
                          text=True, timeout=120, cwd=REPO)


def test_cli_scores_a_corpus_per_speaker_through_a_worker_engine(tmp_path: Path) -> None:
    write_wav(tmp_path / "wav/a/one.wav", 0.5)
    write_wav(tmp_path / "wav/b/two.wav", 0.25)
    write_wav(tmp_path / "wav/c/three.wav", 0.25)
    (tmp_path / "manifest.tsv").write_text(
        "wav/a/one.wav\ta\ten\tEcho 500 ms RMS 0.\n"   # the echo engine's exact answer
        "wav/b/two.wav\tb\ten\techo 250 ms rms one\n"  # one substitution
        "wav/c/three.wav\tc\tfr\tpas en anglais\n",     # another language: not scored
        encoding="utf-8")
    out = run_cli("--corpus", str(tmp_path), "--engine", "echo", "--json", "-")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["files"] == 2 and result["audio_s"] == 0.8
    assert result["per_speaker"]["a"]["wer"] == 0.0
    assert result["per_speaker"]["b"]["substitutions"] == 1
    assert result["overall"]["words"] == 10 and result["overall"]["errors"] == 1
    assert result["peak_rss_mb"] > 0 and result["cpu_s_per_audio_s"] >= 0
    assert [e["path"] for e in result["errors"]] == ["wav/b/two.wav"]

    table = run_cli("--corpus", str(tmp_path), "--engine", "echo", "--max-per-speaker", "1")
    assert table.returncode == 0, table.stderr
    assert "all (pooled)" in table.stdout and "10.0%" in table.stdout


def test_cli_without_a_corpus_says_how_to_build_one(tmp_path: Path) -> None:
    out = run_cli("--corpus", str(tmp_path), "--engine", "echo")
    assert out.returncode != 0
    assert "make corpus" in out.stderr and "manifest.tsv" in out.stderr


def test_cli_with_a_model_the_worker_cannot_load_names_the_installed_ones(tmp_path: Path) -> None:
    write_wav(tmp_path / "wav/a/one.wav", 0.25)
    (tmp_path / "manifest.tsv").write_text("wav/a/one.wav\ta\ten\tsomething said\n", encoding="utf-8")
    out = run_cli("--corpus", str(tmp_path), "--model", "no-such-model")
    assert out.returncode != 0
    assert "unknown model 'no-such-model'" in out.stderr and "installed:" in out.stderr
    assert "Traceback" not in out.stderr
