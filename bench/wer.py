#!/usr/bin/env python3
"""The project's one word error rate: a text normaliser and jiwer's alignment, for every test and
benchmark that scores a transcript, plus a CLI that scores an engine on a read-speech corpus.

As a library (tests and benches put bench/ on sys.path, then `import wer`):
    wer.wer("Turn left at the light.", "turn left at the lights")   -> 0.2
    wer.words("Good-bye, Call-Forward 10")                           -> ['goodbye', 'call', 'forward', 'ten']
    wer.corpus_wer([(ref, hyp), ...])                                -> Result(words, S, D, I, wer)
    wer.by_speaker([(speaker, ref, hyp), ...])                       -> {speaker: Result}
Both sides go through the same normaliser (`normalize`): lower case, hyphens to spaces, a few
contractions expanded, punctuation removed, a small equivalence map for compounds that writers
split or join ("good bye", "set up", "log in", "mail box", "machine gun") and the numbers 0-20
as words, spaces collapsed. The map only holds spellings of the same spoken words, so a real
misrecognition still counts. A corpus score is word-weighted (errors over all reference words).

As a CLI, on the corpus `make corpus` builds (docs/CORPUS.md):
    .venv/bin/python bench/wer.py --corpus build/corpus [--engine faster-whisper --model tiny.en|DIR]
        [--threads 1] [--beam-size 5] [--max-per-speaker N] [--languages en] [--json FILE|-]
transcribes every manifest file in-process through the worker's own engine (load_engine with
the worker's Config, as `python -m voice_worker` would: same decode path as a final), then
reports WER overall, per speaker and as a speaker-macro mean, CPU seconds per audio second of
the transcription loop (model load excluded), and the peak RSS of the process (ru_maxrss).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import sys
import time
import wave
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import jiwer
import numpy as np

REPO = Path(__file__).resolve().parents[1]

# Spellings of the same spoken words, after hyphens became spaces and punctuation went.
EQUIVALENT = {
    "good bye": "goodbye", "set up": "setup", "log in": "login", "log off": "logoff",
    "log out": "logout", "mail box": "mailbox", "voice mail": "voicemail", "black list": "blacklist",
    "machine gun": "machinegun", "okay": "ok", "alright": "all right", "cannot": "can not",
    "anytime": "any time", "mr": "mister", "metres": "meters", "metre": "meter",
}
NUMBERS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
           "fifteen sixteen seventeen eighteen nineteen twenty").split()
# Contractions whose expansion is unambiguous ('s and 'd are not: is/has, had/would).
CONTRACTIONS = {r"(\w)'m\b": r"\1 am", r"(\w)'re\b": r"\1 are", r"(\w)'ve\b": r"\1 have",
                r"(\w)'ll\b": r"\1 will", r"\bcan't\b": "can not", r"\bwon't\b": "will not",
                r"(\w)n't\b": r"\1 not"}

_NORMALISE = jiwer.Compose([
    jiwer.ToLowerCase(),
    jiwer.SubstituteRegexes({"[\u2019\u2018]": "'", "-": " ", **CONTRACTIONS}),
    jiwer.RemovePunctuation(),
    jiwer.SubstituteRegexes({r"\s+": " "}),  # tabs too: jiwer splits words on " " only
    jiwer.Strip(),
    jiwer.SubstituteWords({str(n): w for n, w in enumerate(NUMBERS)}),
    jiwer.SubstituteWords(EQUIVALENT),
])
_TO_WORDS = jiwer.ReduceToListOfListOfWords()


def normalize(text: str) -> str:
    return str(_NORMALISE(text))


def words(text: str) -> list[str]:
    """The normalised words of a text: what WER counts."""
    return normalize(text).split()


@dataclass(frozen=True)
class Result:
    words: int  # reference words
    substitutions: int
    deletions: int
    insertions: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.words)

    def __add__(self, other: Result) -> Result:
        return Result(self.words + other.words, self.substitutions + other.substitutions,
                      self.deletions + other.deletions, self.insertions + other.insertions)

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "errors": self.errors, "wer": round(self.wer, 4)}


def _text(t: str | Sequence[str]) -> str:
    # Word lists (the tests' old API) are joined; normalising again changes nothing.
    return t if isinstance(t, str) else " ".join(t)


def measure(reference: str | Sequence[str], hypothesis: str | Sequence[str]) -> Result:
    """The edit counts of one transcript against its reference."""
    ref, hyp = normalize(_text(reference)), normalize(_text(hypothesis))
    if not ref:  # jiwer wants a reference word; every hypothesis word is then an insertion
        return Result(0, 0, 0, len(hyp.split()))
    out = jiwer.process_words(ref, hyp, reference_transform=_TO_WORDS, hypothesis_transform=_TO_WORDS)
    return Result(len(ref.split()), out.substitutions, out.deletions, out.insertions)


def wer(reference: str | Sequence[str], hypothesis: str | Sequence[str]) -> float:
    """Word error rate of one transcript: (S + D + I) / reference words."""
    return measure(reference, hypothesis).wer


def corpus_wer(pairs: Iterable[tuple[str, str]]) -> Result:
    """Word-weighted over all pairs: total errors over total reference words."""
    return sum((measure(r, h) for r, h in pairs), Result(0, 0, 0, 0))


def by_speaker(rows: Iterable[tuple[str, str, str]]) -> dict[str, Result]:
    """(speaker, reference, hypothesis) rows -> each speaker's word-weighted Result, by name."""
    out: dict[str, Result] = {}
    for speaker, ref, hyp in rows:
        out[speaker] = out.get(speaker, Result(0, 0, 0, 0)) + measure(ref, hyp)
    return dict(sorted(out.items()))


def speaker_macro(per_speaker: dict[str, Result]) -> float:
    """The mean of the speakers' WERs: one voice with most of the words does not dominate it."""
    return sum(r.wer for r in per_speaker.values()) / max(1, len(per_speaker))


# --- the CLI: one engine over a corpus ----------------------------------------------------------

@dataclass(frozen=True)
class Clip:
    path: str  # relative to the corpus directory
    speaker: str
    language: str
    reference: str


def read_manifest(corpus: Path, languages: Sequence[str], max_per_speaker: int) -> list[Clip]:
    """manifest.tsv rows (path, speaker, language, reference) of those languages, in file order."""
    manifest = corpus / "manifest.tsv"
    if not manifest.is_file():
        raise SystemExit(f"wer: {manifest} does not exist: build the corpus with `make corpus` "
                         f"(scripts/human_speech_corpus DIR) and pass that DIR as --corpus")
    clips: list[Clip] = []
    taken: dict[str, int] = {}
    for n, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        cols = line.split("\t")
        if len(cols) != 4:
            raise SystemExit(f"wer: {manifest}:{n}: expected 4 tab-separated columns, got {len(cols)}")
        clip = Clip(*cols)
        if clip.language not in languages:
            continue
        if max_per_speaker and taken.get(clip.speaker, 0) >= max_per_speaker:
            continue
        taken[clip.speaker] = taken.get(clip.speaker, 0) + 1
        clips.append(clip)
    return clips


def read_wav(path: Path) -> np.ndarray:
    """float32 in [-1, 1], as the engines take it."""
    with wave.open(str(path), "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (16000, 1, 2):
            raise SystemExit(f"wer: {path} is not 16 kHz mono s16 (the corpus script writes only that)")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return pcm.astype(np.float32) / 32768.0


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(args: argparse.Namespace) -> dict[str, Any]:
    # This checkout's worker, not whichever one the venv's editable install points at.
    sys.path.insert(0, str(REPO / "worker"))
    from voice_worker.config import parse_config
    from voice_worker.engines.base import ModelLoadError
    from voice_worker.engines.loading import load_engine

    flags = ["--engine", args.engine, "--cpu-threads", str(args.threads), "--beam-size", str(args.beam_size)]
    if args.model:
        flags += ["--model", args.model]
    if len(args.languages) == 1:
        flags += ["--language", args.languages[0]]
    cfg = parse_config(flags, {})
    clips = read_manifest(args.corpus, args.languages, args.max_per_speaker)
    if not clips:
        raise SystemExit(f"wer: no {'/'.join(args.languages)} clips in {args.corpus / 'manifest.tsv'}")

    t0 = time.monotonic()
    try:
        engine = load_engine(cfg)
    except ModelLoadError as exc:
        raise SystemExit(f"wer: {exc}") from None
    load_s = time.monotonic() - t0
    rss_loaded_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    options = cfg.decode

    scored: list[tuple[Clip, str, Result]] = []
    audio_s = cpu_s = 0.0
    for k, clip in enumerate(clips, 1):
        audio = read_wav(args.corpus / clip.path)
        if len(args.languages) > 1:
            options = dataclasses.replace(options, language=clip.language)
        c0 = cpu_seconds()
        out = engine.transcribe(audio, final=True, options=options)
        cpu_s += cpu_seconds() - c0
        audio_s += len(audio) / 16000
        hyp = out.text if out is not None else ""
        m = measure(clip.reference, hyp)
        scored.append((clip, hyp, m))
        if args.verbose and m.errors:
            print(f"[{k}/{len(clips)}] {m.errors}/{m.words} {clip.path}: {clip.reference!r} -> {hyp!r}",
                  file=sys.stderr)

    speakers = by_speaker((clip.speaker, clip.reference, hyp) for clip, hyp, _ in scored)
    overall = sum(speakers.values(), Result(0, 0, 0, 0))
    return {
        "engine": engine.name, "model": engine.model, "threads": args.threads, "beam_size": args.beam_size,
        "corpus": str(args.corpus), "languages": list(args.languages), "files": len(scored),
        "audio_s": round(audio_s, 1), "load_s": round(load_s, 2),
        "cpu_s": round(cpu_s, 1), "cpu_s_per_audio_s": round(cpu_s / max(audio_s, 1e-9), 3),
        "rss_after_load_mb": round(rss_loaded_kb / 1024), "peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "overall": overall.as_dict(), "speaker_macro_wer": round(speaker_macro(speakers), 4),
        "per_speaker": {s: {**r.as_dict(), "files": sum(clip.speaker == s for clip, _, _ in scored)}
                        for s, r in speakers.items()},
        "errors": [{"path": clip.path, "speaker": clip.speaker, "reference": clip.reference, "hypothesis": hyp,
                    "errors": m.errors, "words": m.words} for clip, hyp, m in scored if m.errors],
    }


def table(result: dict[str, Any]) -> str:
    lines = [f"{result['engine']} {result['model']}: {result['files']} files, {result['audio_s']} s of audio, "
             f"{result['threads']} thread(s), beam {result['beam_size']} (where the engine has a beam)",
             f"{'speaker':16s} {'files':>5s} {'words':>5s} {'S':>4s} {'D':>4s} {'I':>4s} {'WER':>7s}"]
    for name, r in [*result["per_speaker"].items(), ("all (pooled)", {**result["overall"], "files": result["files"]})]:
        lines.append(f"{name:16s} {r['files']:5d} {r['words']:5d} {r['substitutions']:4d} {r['deletions']:4d} "
                     f"{r['insertions']:4d} {100 * r['wer']:6.1f}%")
    lines.append(f"speaker-macro WER {100 * result['speaker_macro_wer']:.1f}%; "
                 f"CPU {result['cpu_s_per_audio_s']:.3f} s per audio s; load {result['load_s']} s; "
                 f"RSS {result['rss_after_load_mb']} MB after load, peak {result['peak_rss_mb']} MB")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True, help="directory holding manifest.tsv and wav/")
    ap.add_argument("--engine", default="faster-whisper", help="a voice_worker engine (default faster-whisper)")
    ap.add_argument("--model", help="a catalog name or a model directory (default: the engine's)")
    ap.add_argument("--threads", type=int, default=1, help="the engine's CPU threads (default 1)")
    ap.add_argument("--beam-size", type=int, default=5, help="beam width, as the worker's finals (default 5)")
    ap.add_argument("--languages", default="en", type=lambda s: s.split(","),
                    help="comma-separated manifest languages to score (default en)")
    ap.add_argument("--max-per-speaker", type=int, default=0, help="first N files of each speaker (0: all)")
    ap.add_argument("--json", metavar="FILE", help="also write the full result (with every error) as JSON; - for stdout")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each file with errors as it is scored")
    args = ap.parse_args(argv)
    result = run(args)
    if args.json == "-":
        print(json.dumps(result, indent=1))
        return 0
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
