"""Per-10 ms speech decisions, and re-chunking arbitrary frames into the exact 10 ms webrtcvad needs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import webrtcvad

from .protocol import SAMPLE_RATE

FRAME_MS = 10
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000  # 160

# Spectral flatness of a 10 ms frame: ~0.56 on average for white noise, < 0.2 for most speech
# frames (voiced speech is harmonic; only fricatives get near noise). webrtcvad alone calls loud
# white noise speech on ~100 % of frames (measured), which would gate noise into Whisper.
_MAX_SPEECH_FLATNESS = 0.35
_WINDOW = np.hanning(FRAME_SAMPLES)


def spectral_flatness(samples: np.ndarray) -> float:
    power = np.abs(np.fft.rfft(samples.astype(np.float64) * _WINDOW))[1:] ** 2 + 1e-10
    return float(np.exp(np.mean(np.log(power))) / np.mean(power))


class SpeechClassifier:
    """webrtcvad's decision, vetoed for noise-like (spectrally flat) frames."""

    def __init__(self, aggressiveness: int) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, frame: np.ndarray) -> bool:
        if not self._vad.is_speech(frame.tobytes(), SAMPLE_RATE):
            return False
        return spectral_flatness(frame) < _MAX_SPEECH_FLATNESS


@dataclass(frozen=True, slots=True)
class Chunk:
    """Samples and which input frames (by seq) they came from: exactly FRAME_SAMPLES from push(),
    fewer from take_tail() (what is left over when a stream is flushed)."""

    samples: np.ndarray
    first_seq: int
    last_seq: int
    start_sample: int  # position on the worker's audio clock
    t_recv: float  # monotonic time the last contributing input frame was read

    @property
    def end_sample(self) -> int:
        return self.start_sample + len(self.samples)


class Rechunker:
    def __init__(self) -> None:
        self._buf = np.empty(0, dtype=np.int16)
        self._buf_first_seq = -1
        self._buf_last_seq = -1
        self._buf_t_recv = 0.0
        self._next_sample = 0  # audio clock: samples accepted so far

    @property
    def held_from_seq(self) -> int | None:
        return self._buf_first_seq if self._buf.size else None

    def push(self, seq: int, samples: np.ndarray, t_recv: float) -> list[Chunk]:
        if not self._buf.size and samples.size == FRAME_SAMPLES:  # the normal case, no copy
            chunk = Chunk(samples, seq, seq, self._next_sample, t_recv)
            self._next_sample += FRAME_SAMPLES
            return [chunk]
        first = self._buf_first_seq if self._buf.size else seq
        data = np.concatenate((self._buf, samples)) if self._buf.size else samples
        out: list[Chunk] = []
        offset = 0
        while data.size - offset >= FRAME_SAMPLES:
            out.append(Chunk(data[offset:offset + FRAME_SAMPLES], first, seq, self._next_sample, t_recv))
            self._next_sample += FRAME_SAMPLES
            offset += FRAME_SAMPLES
            first = seq  # every later chunk holds only this frame's samples
        self._buf = data[offset:].copy()
        self._buf_first_seq, self._buf_last_seq, self._buf_t_recv = first, seq, t_recv
        return out

    def take_tail(self) -> Chunk | None:
        if not self._buf.size:
            return None
        tail = Chunk(self._buf, self._buf_first_seq, self._buf_last_seq, self._next_sample, self._buf_t_recv)
        self._next_sample += self._buf.size
        self._buf = np.empty(0, dtype=np.int16)
        return tail
