"""Utterance segmentation and the no_speech rule, as a pure state machine fed one 10 ms chunk at a time.

No threads and no I/O here: the VAD stage feeds chunks and routes the returned events, which
keeps the rules testable on their own.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .vad import FRAME_MS, Chunk


@dataclass(frozen=True, slots=True)
class SegmenterConfig:
    # Audio kept from before the trigger window, so first syllables reach the STT.
    preroll_ms: int = 300
    # Speech starts when >= start_ratio of the last start_window_ms is voiced.
    start_window_ms: int = 300
    start_ratio: float = 0.6
    # Speech ends when <= end_ratio of the last end_window_ms is voiced: a 0.5 s pause.
    end_window_ms: int = 500
    end_ratio: float = 0.1
    # Below start_ratio but at or above this, the window is "speech-like": not silence for
    # no_speech. Isolated voiced blips in noise stay below it and do not split a silent stretch.
    speechlike_ratio: float = 0.3
    no_speech_after_ms: int = 1200
    # Whisper sees 30 s at a time; capping utterances (pre-roll included) keeps a final to one
    # window, so its cost is bounded too.
    max_utterance_ms: int = 29_000
    # Utterance audio goes to the STT thread in batches of this size.
    batch_ms: int = 100
    # A pause this long inside an utterance (no voiced chunk at all) is a likely end: the STT
    # stage starts the final's decode on it speculatively (SpeechPaused), while the segmenter
    # still waits for end_window_ms to decide. resume_voiced_ms of voiced audio after the pause
    # means speech went on: the speculation is void (SpeechEnded.speculation is None).
    pause_ms: int = 200
    resume_voiced_ms: int = 20


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    utterance: int
    start_sample: int
    first_seq: int


@dataclass(frozen=True, slots=True)
class SpeechAudio:
    utterance: int
    samples: np.ndarray
    end_sample: int
    t_recv: float
    # Unvoiced 10 ms chunks at the end of the utterance so far: speech may be about to end.
    trailing_unvoiced: int = 0


@dataclass(frozen=True, slots=True)
class SpeechPaused:
    """The utterance has been silent for pause_ms: all its audio up to end_sample was sent."""

    utterance: int
    end_sample: int
    t_recv: float


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    utterance: int
    end_sample: int
    t_recv: float
    # When the last voiced chunk of the utterance was read (timing only; 0.0 when unknown).
    t_last_voiced: float = 0.0
    # end_sample of the SpeechPaused after which no speech followed, or None: a speculative
    # decode of the audio up to that point is this utterance's final.
    speculation: int | None = None


@dataclass(frozen=True, slots=True)
class NoSpeech:
    end_sample: int


SegmentEvent = SpeechStarted | SpeechAudio | SpeechPaused | SpeechEnded | NoSpeech


class Segmenter:
    def __init__(self, cfg: SegmenterConfig, speech_pending: Callable[[], bool]) -> None:
        """speech_pending: True while an ended utterance still awaits its final (buffered speech)."""
        self._cfg = cfg
        self._speech_pending = speech_pending
        start_n = cfg.start_window_ms // FRAME_MS
        end_n = cfg.end_window_ms // FRAME_MS
        self._start_needed = math.ceil(cfg.start_ratio * start_n)
        self._speechlike_needed = math.ceil(cfg.speechlike_ratio * start_n)
        self._end_allowed = math.floor(cfg.end_ratio * end_n)
        self._no_speech_frames = cfg.no_speech_after_ms // FRAME_MS
        self._max_frames = cfg.max_utterance_ms // FRAME_MS
        self._batch_frames = cfg.batch_ms // FRAME_MS
        self._pause_frames = max(1, cfg.pause_ms // FRAME_MS)
        self._resume_frames = max(1, cfg.resume_voiced_ms // FRAME_MS)
        # No no_speech on a chunk with voiced audio this recent (chunks): it may be speech starting.
        self._quiet_before_no_speech = 5
        self._tail_margin = 10

        self._history: deque[tuple[Chunk, bool]] = deque(maxlen=(cfg.preroll_ms // FRAME_MS) + start_n)
        self._start_win: deque[bool] = deque(maxlen=start_n)
        self._end_win: deque[bool] = deque(maxlen=end_n)
        self._utterance = 0
        self._in_utterance = False
        self._continue_utterance = False  # a max-length split: the next chunk opens the next one
        self._batch: list[Chunk] = []
        self._utt_frames = 0
        self._utt_end_sample = 0
        self._utt_t_recv = 0.0
        self._utt_t_voiced = 0.0
        self._silent_frames = 0
        self._no_speech_armed = True
        self._trailing_unvoiced = 0  # unvoiced chunks since the last voiced one (in or out of speech)
        self._pause: int | None = None  # end_sample of the SpeechPaused still standing
        self._voiced_since_pause = 0

    @property
    def held_from_seq(self) -> int | None:
        """Oldest seq still held undecided in the pre-roll (utterance audio is tracked per utterance)."""
        return self._history[0][0].first_seq if self._history else None

    def speculation_void(self, utterance: int, pause_end_sample: int) -> bool:
        """True once speech went on after that pause of the still-open utterance, so a decode
        started on it now would be wasted. Read by the STT thread: a stale answer only costs
        time, never correctness (SpeechEnded.speculation decides which decode is the final)."""
        return self._in_utterance and self._utterance == utterance and self._pause != pause_end_sample

    def push(self, chunk: Chunk, voiced: bool) -> list[SegmentEvent]:
        events: list[SegmentEvent] = []
        self._trailing_unvoiced = 0 if voiced else self._trailing_unvoiced + 1
        if self._continue_utterance:
            self._continue_utterance = False
            self._open([(chunk, voiced)], events)
        elif self._in_utterance:
            self._batch.append(chunk)
            self._utt_end_sample, self._utt_t_recv = chunk.end_sample, chunk.t_recv
            self._end_win.append(voiced)
            self._utt_frames += 1
            if voiced:
                self._utt_t_voiced = chunk.t_recv
                if self._pause is not None:
                    self._voiced_since_pause += 1
                    if self._voiced_since_pause >= self._resume_frames:
                        self._pause = None  # speech went on: the speculation is void
            if len(self._end_win) == self._end_win.maxlen and sum(self._end_win) <= self._end_allowed:
                self._close(chunk.end_sample, chunk.t_recv, events)
            elif self._utt_frames >= self._max_frames:
                self._close(chunk.end_sample, chunk.t_recv, events)
                self._continue_utterance = True
            elif (self._pause is None and not voiced
                  and self._trailing_unvoiced >= self._pause_frames):
                events.append(self._drain_batch())
                self._pause, self._voiced_since_pause = chunk.end_sample, 0
                events.append(SpeechPaused(self._utterance, chunk.end_sample, chunk.t_recv))
            elif len(self._batch) >= self._batch_frames:
                events.append(self._drain_batch())
        else:
            self._history.append((chunk, voiced))
            self._start_win.append(voiced)
            if sum(self._start_win) >= self._start_needed:
                self._open(list(self._history), events)
        self._track_silence(chunk, voiced, events)
        return events

    def flush(self, tail: Chunk | None) -> list[SegmentEvent]:
        """End of stream: finish the open utterance now and forget undecided audio."""
        events: list[SegmentEvent] = []
        if self._in_utterance:
            end_sample, t_recv = self._utt_end_sample, self._utt_t_recv
            if self._batch:
                events.append(self._drain_batch())
            if tail is not None:
                events.append(SpeechAudio(self._utterance, tail.samples, tail.end_sample, tail.t_recv))
                end_sample, t_recv = tail.end_sample, tail.t_recv
            self._in_utterance = False
            events.append(SpeechEnded(self._utterance, end_sample, t_recv, self._utt_t_voiced, self._pause))
            self._pause = None
        self._history.clear()
        self._start_win.clear()
        self._end_win.clear()
        self._continue_utterance = False
        self._silent_frames = 0
        self._trailing_unvoiced = 0
        self._no_speech_armed = True  # the next stream is a new silent stretch
        return events

    def _open(self, chunks: list[tuple[Chunk, bool]], events: list[SegmentEvent]) -> None:
        self._utterance += 1
        self._in_utterance = True
        self._no_speech_armed = True
        first = chunks[0][0]
        events.append(SpeechStarted(self._utterance, first.start_sample, first.first_seq))
        self._batch = [c for c, _ in chunks]
        self._utt_frames = len(chunks)
        self._utt_end_sample, self._utt_t_recv = chunks[-1][0].end_sample, chunks[-1][0].t_recv
        self._utt_t_voiced = max((c.t_recv for c, v in chunks if v), default=chunks[-1][0].t_recv)
        self._history.clear()
        self._start_win.clear()
        self._end_win.clear()
        self._pause = None
        events.append(self._drain_batch())

    def _close(self, end_sample: int, t_recv: float, events: list[SegmentEvent]) -> None:
        if self._batch:
            events.append(self._drain_batch())
        self._in_utterance = False
        self._end_win.clear()
        events.append(SpeechEnded(self._utterance, end_sample, t_recv, self._utt_t_voiced, self._pause))
        self._pause = None

    def _drain_batch(self) -> SpeechAudio:
        batch, self._batch = self._batch, []
        last = batch[-1]
        samples = np.concatenate([c.samples for c in batch]) if len(batch) > 1 else batch[0].samples
        return SpeechAudio(self._utterance, samples, last.end_sample, last.t_recv, self._trailing_unvoiced)

    def _track_silence(self, chunk: Chunk, voiced: bool, events: list[SegmentEvent]) -> None:
        # DESIGN.md §3: no_speech only when the VAD is not in speech AND no speech is buffered,
        # after >= 1.2 s of continuous silence, at most once per silent stretch. A stretch ends
        # only when an utterance starts (or the stream is flushed). Silence counts from the last
        # voiced chunk of an utterance (its trailing silence is silence too), and outside one a
        # speech-like pre-roll resets the count, so audio that may still open an utterance is
        # never "silence". A no_speech held back by a pending final is not released on a chunk
        # right after voiced audio: that may be the first syllable of the next utterance.
        # After a voiced chunk of an utterance the count starts tail_margin below zero: webrtcvad
        # often calls the fading end of the last word unvoiced already.
        if self._in_utterance and voiced:
            self._silent_frames = -self._tail_margin
        elif not self._in_utterance and sum(self._start_win) >= self._speechlike_needed:
            self._silent_frames = 0
        else:
            self._silent_frames += 1
        if (self._no_speech_armed and not self._in_utterance
                and self._silent_frames >= self._no_speech_frames
                and self._trailing_unvoiced >= self._quiet_before_no_speech
                and not self._speech_pending()):
            self._no_speech_armed = False
            events.append(NoSpeech(chunk.end_sample))
