"""Cleaning Whisper output: trim repetition loops, and drop text that is only a stock hallucination.

Two failure modes of Whisper, handled differently because they hurt differently:
  * Loops ("the the the the ...", "No, no, no, no, no, no, ..."): the decoder gets stuck, often
    after real words. Dropping the whole text would throw the real speech away with the loop, so
    a run of LOOP_MIN_REPEATS or more identical words/phrases is trimmed to one occurrence.
  * Stock phrases on non-speech ("you", "Thank you.", "Thanks for watching."): fluent text from
    the training data's subtitles. Such text is dropped only when the decoder itself was unsure
    (low avg_logprob or high no_speech_prob) -- a user who says "Thank you." clearly keeps it.
    Measured with tiny.en: those hallucinations on noise/silence/hum come with avg_logprob
    -1.1 to -2.0 and no_speech_prob 0.73-0.95; the same words spoken (espeak-ng) with -0.15 to
    -0.63 and 0.22-0.32 ("You." alone: -1.0 / 0.5, which is dropped: too close to call).
Pure functions; the engine passes the confidence it measured.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9']+")
# A word or phrase said four times in a row is a loop; three is still natural ("no, no, no").
LOOP_MIN_REPEATS = 4
_MAX_NGRAM = 6

# Compared after lower-casing, dropping punctuation and collapsing repeats ("Thank you. Thank you."
# is "thank you").
STOCK_HALLUCINATIONS = frozenset({
    "you", "thank you", "thanks", "thank you very much", "thank you so much", "thanks for watching",
    "thank you for watching", "thanks for listening", "thank you for listening", "please subscribe",
    "subscribe", "bye", "bye bye", "goodbye", "okay", "ok", "so", "oh", "uh", "um", "hmm", "i'm sorry",
    "the end", "you know",
})
# Below this average token log-probability, or above this no-speech probability, the decoder was
# guessing (thresholds sit between the measured hallucinations and real speech, see above).
LOW_AVG_LOGPROB = -0.8
HIGH_NO_SPEECH_PROB = 0.6


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _keys(tokens: list[str]) -> list[str]:
    """Punctuation- and case-free identity of each whitespace token ("No," == "no.")."""
    return [" ".join(words(tok)) for tok in tokens]


def _run_at(keys: list[str], i: int, min_repeats: int) -> tuple[int, int]:
    """(n, repeats) of the shortest n-gram at i repeated >= min_repeats times, or (0, 0)."""
    for n in range(1, _MAX_NGRAM + 1):
        gram = keys[i:i + n]
        if len(gram) < n:
            break
        reps = 1
        while keys[i + reps * n:i + (reps + 1) * n] == gram:
            reps += 1
        if reps >= min_repeats:
            return n, reps
    return 0, 0


def _collapse(keys: list[str], min_repeats: int) -> list[int]:
    """Indices of the tokens to keep when each run of >= min_repeats identical n-grams is
    reduced to its first occurrence."""
    keep: list[int] = []
    i = 0
    while i < len(keys):
        n, reps = _run_at(keys, i, min_repeats)
        if n:
            keep.extend(range(i, i + n))
            i += n * reps
        else:
            keep.append(i)
            i += 1
    return keep


def trim_loops(text: str) -> str:
    """The text with every run of LOOP_MIN_REPEATS+ identical words/phrases cut to one occurrence."""
    tokens = text.split()
    return " ".join(tokens[i] for i in _collapse(_keys(tokens), LOOP_MIN_REPEATS))


def is_repetition_loop(text: str) -> bool:
    return trim_loops(" ".join(text.split())) != " ".join(text.split())


def is_stock_hallucination(text: str) -> bool:
    """Nothing but a stock phrase, possibly repeated ("Thank you. Thank you. Thank you.")."""
    keys = [k for k in _keys(text.split()) if k]
    core = " ".join(keys[i] for i in _collapse(keys, 2))
    return core in STOCK_HALLUCINATIONS


def clean_text(text: str, *, avg_logprob: float | None = None,
               no_speech_prob: float | None = None) -> str | None:
    """The text to publish, or None when nothing worth publishing is left.

    Unknown confidence (None) counts as unsure: a stock phrase is then dropped.
    """
    text = trim_loops(" ".join(text.split()))
    if not words(text):
        return None
    unsure = (avg_logprob is None or avg_logprob < LOW_AVG_LOGPROB
              or no_speech_prob is None or no_speech_prob > HIGH_NO_SPEECH_PROB)
    if unsure and is_stock_hallucination(text):
        return None
    return text
