"""Engines for tests, that need no model: echo describes its audio, stall hangs."""

from __future__ import annotations

import logging
import threading

import numpy as np

from ..protocol import samples_to_ms
from .base import DecodeOptions, Transcript

log = logging.getLogger(__name__)


class EchoEngine:
    """Describes the audio it was given instead of transcribing it: "echo <ms> ms rms <level>"."""

    name = "echo"
    model = "none"

    def transcribe(self, audio: np.ndarray, *, final: bool,
                   options: DecodeOptions = DecodeOptions()) -> Transcript | None:
        rms = int(np.sqrt(np.mean(np.square(audio, dtype=np.float64))) * 32768) if len(audio) else 0
        return Transcript(f"echo {samples_to_ms(len(audio))} ms rms {rms}", 1.0)


class StallEngine:
    """Never returns: a hung model, for backpressure tests."""

    name = "stall"
    model = "none"

    def __init__(self) -> None:
        self._never = threading.Event()

    def transcribe(self, audio: np.ndarray, *, final: bool,
                   options: DecodeOptions = DecodeOptions()) -> Transcript | None:
        log.warning("stall engine: blocking the STT thread forever")
        self._never.wait()
        raise AssertionError("unreachable")
