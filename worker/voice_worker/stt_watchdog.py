"""Detecting a hung STT engine by the clock, not by backed-up audio.

The reader's ingest put timeout only notices a hang when speech keeps arriving: during silence
the VAD creates no STT jobs, and at shutdown nothing is being put at all, so a model stuck in
one transcribe call would hang the worker forever. Instead the STT stage records when each call
started and how much audio it was given, and the main thread checks that no call runs past

    limit = max(min_timeout_s, AUDIO_FACTOR x seconds of audio)

The floor covers fixed per-call costs (a short partial on a loaded machine); the factor lets
a 29 s final take up to 145 s, far beyond tiny.en's measured RTF of ~0.1 but not forever.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

DEFAULT_STT_TIMEOUT_S = 10.0
AUDIO_FACTOR = 5.0


class SttWatchdog:
    def __init__(self, min_timeout_s: float = DEFAULT_STT_TIMEOUT_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._min_timeout_s = min_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._call: tuple[float, float, str] | None = None  # (started, limit_s, what)

    def limit_for(self, audio_s: float) -> float:
        return max(self._min_timeout_s, AUDIO_FACTOR * audio_s)

    def started(self, audio_s: float, what: str) -> None:
        """The STT thread entered a transcribe call over audio_s seconds of audio."""
        with self._lock:
            self._call = (self._clock(), self.limit_for(audio_s), what)

    def finished(self) -> None:
        with self._lock:
            self._call = None

    def overdue(self) -> str | None:
        """Why the current call counts as hung, or None while none is running too long."""
        with self._lock:
            call = self._call
            now = self._clock()
        if call is None:
            return None
        started, limit, what = call
        if now - started <= limit:
            return None
        return f"speech-to-text hung: {what} has run {now - started:.1f} s, limit {limit:g} s"
