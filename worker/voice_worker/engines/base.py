"""What every engine is: audio in, a Transcript out, under per-call DecodeOptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..decode_options import DecodeOptions


class ModelLoadError(Exception):
    pass


class UnservableRequest(Exception):
    """A model or language this worker cannot serve; the message names what it can."""


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start_s: float  # from the start of the audio given to transcribe()
    end_s: float
    probability: float


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    confidence: float | None
    # What the engine knows of its own doubt (None: it does not say). Whisper's own measures:
    # mean token log-probability, the no-speech token's probability, gzip compression ratio.
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None
    temperature: float | None = None  # the decode temperature that produced the text
    language: str | None = None  # what was decoded (detected, when the request said auto)
    words: tuple[Word, ...] = field(default_factory=tuple)


class Engine(Protocol):
    name: str
    model: str

    def transcribe(self, audio: np.ndarray, *, final: bool,
                   options: DecodeOptions = DecodeOptions()) -> Transcript | None:
        """audio: float32 mono 16 kHz in [-1, 1]. None when there is nothing worth publishing."""
        ...
