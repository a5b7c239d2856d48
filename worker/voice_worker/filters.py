"""Rejecting Whisper output that is not speech: empty text and repetition loops."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9']+")
# Whisper's well-known failure on non-speech is a loop: "you you you you", "thank you. thank
# you. thank you.". Real speech rarely repeats a phrase four times in a row.
_MAX_PHRASE_REPEATS = 3
_MAX_WORD_REPEATS = 4
_MAX_NGRAM = 6


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def is_repetition_loop(text: str) -> bool:
    toks = words(text)
    for n in range(1, _MAX_NGRAM + 1):
        limit = _MAX_WORD_REPEATS if n == 1 else _MAX_PHRASE_REPEATS
        for start in range(n):
            run = 1
            prev: tuple[str, ...] | None = None
            for i in range(start, len(toks) - n + 1, n):
                gram = tuple(toks[i:i + n])
                run = run + 1 if gram == prev else 1
                if run > limit:
                    return True
                prev = gram
    return False


def clean_text(text: str) -> str | None:
    """The text to publish, or None when it is empty or a loop."""
    text = " ".join(text.split())
    if not words(text):
        return None
    if is_repetition_loop(text):
        return None
    return text
