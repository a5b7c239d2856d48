"""The VAD/aggregator stage and the STT stage: the two threads behind the reader.

Latency policy for finals (what the user waits for after the last word):
  * the segmenter reports a pause of 200 ms inside an utterance (SpeechPaused) long before it
    decides the utterance ended (0.45-0.5 s); the STT thread starts the final's decode on the
    audio up to the pause right away, speculatively. If no speech follows before the end is
    decided, SpeechEnded names that pause and the speculative result IS the final, written as
    soon as the end is known. If speech resumed, the result is discarded and the final is
    decoded over the whole utterance as before. Exactly one final_text per speech_start either
    way, and acks still cover the utterance only once that final is written;
  * a partial is postponed while the utterance's tail is already unvoiced (>= 100 ms): speech
    is probably ending, and the decode that matters then is the final's;
  * both run with a shortened encoder context (engines/faster_whisper.py), so one decode costs ~1/3 of a full
    30 s window.

Partial-work policy (why partials cannot stall input as utterances grow):
  * a partial transcribes only the trailing `partial_window_s` of the utterance (6 s by
    default) with a capped token count, so its cost does not grow with utterance length;
  * it is due only after `partial_every_s` of new utterance audio, and it runs only when no
    stream has work that leads to a final (scheduler.py): a due partial waits, is coalesced
    with the next one, or is dropped when its final comes -- it is never queued behind audio;
  * finals always transcribe the whole utterance (utterances are capped at 29 s by the
    segmenter, so a final is one Whisper window).

Several streams (protocol v2) share these two threads and the one model: each has its own
VAD classifier, rechunker and segmenter here, its own utterance and speculation in the STT
stage, and its own AckTracker; the STT scheduler interleaves their jobs, finals first.

The STT queue holds 100 batches of 100 ms (10 s of speech), and the scheduler takes at most as
many more per open stream from it (streams waiting behind a final). When the queue is full the VAD thread
blocks, the ingest queue fills, and the reader's 5 s put timeout reports the stall: a hung
model is detected, never hidden by unbounded buffering. A model that hangs while no audio backs
up (during silence, at shutdown) is caught by the clock instead (stt_watchdog.py).

Every speech_start gets exactly one final_text: when the text is filtered out or transcription
fails, the final says "text":"" so the daemon (and a UI showing partials) can close the
utterance. Silence and noise that never open an utterance get neither.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from . import protocol
from .acks import AckHub, AckTracker
from .output import Output
from .protocol import ErrorCode, Event, samples_to_ms
from .reader import Configure, EndOfStream, Frame, IngestItem
from .scheduler import CloseStream, ConfigureStream, RunJob, RunPartial, RunStop, SttScheduler
from .segmenter import (NoSpeech, SegmentEvent, Segmenter, SegmenterConfig, SpeechAudio, SpeechEnded,
                        SpeechPaused, SpeechStarted)
from .stats import Stats
from .streams import DEFAULT, Registry, StreamRef
from .engines import DecodeOptions, Engine, ModelLoadError, Transcript, UnservableRequest
from .stt_watchdog import SttWatchdog
from .vad import Rechunker, SpeechClassifier

log = logging.getLogger(__name__)

STT_QUEUE_BATCHES = 100


class _Stop:
    """Tells the STT stage that no more jobs will come."""


STOP = _Stop()
SttJob = SpeechStarted | SpeechAudio | SpeechPaused | SpeechEnded | CloseStream | _Stop


@dataclass(frozen=True, slots=True)
class Job:
    """One STT job of one stream (a bare SttJob on the queue belongs to the default stream)."""

    stream: StreamRef
    job: SttJob


# A partial is postponed while this many trailing 10 ms chunks of the utterance are unvoiced.
PAUSE_LIKELY_CHUNKS = 10


@dataclass(slots=True)
class _VadStream:
    """What the VAD thread keeps per stream: webrtcvad adapts to the stream's level, and the
    rechunker and segmenter carry its audio clock and utterance numbers."""

    ref: StreamRef
    acks: AckTracker
    classifier: SpeechClassifier
    segmenter: Segmenter
    rechunker: Rechunker = field(default_factory=Rechunker)
    next_seq: int = 0


class VadStage:
    def __init__(self, ingest: "queue.Queue[IngestItem]", jobs: "queue.Queue[Job | SttJob]", output: Output,
                 acks: AckHub, new_classifier: Callable[[], SpeechClassifier], segmenter_cfg: SegmenterConfig,
                 stats: Stats, publish_speech_end: Callable[[int, Event, StreamRef], None]) -> None:
        self._ingest = ingest
        self._jobs = jobs
        self._output = output
        self._acks = acks
        self._stats = stats
        # Not a plain emit: the STT stage must stop publishing partials of that utterance in the
        # same step (SttStage.publish_speech_end).
        self._publish_speech_end = publish_speech_end
        self._new_classifier = new_classifier
        self._segmenter_cfg = segmenter_cfg
        self.streams: Registry[_VadStream] = Registry(self._open)

    def _open(self, ref: StreamRef) -> _VadStream:
        acks = self._acks.tracker(ref)
        return _VadStream(ref, acks, self._new_classifier(), Segmenter(self._segmenter_cfg, acks.speech_pending))

    def speculation_void(self, key: int, utterance: int, pause_end_sample: int) -> bool:
        """Segmenter.speculation_void of that stream (read by the STT thread; see there)."""
        vs = self.streams.find(key)
        return vs is not None and vs.segmenter.speculation_void(utterance, pause_end_sample)

    def run(self) -> None:
        while True:
            item = self._ingest.get()
            if isinstance(item, Frame):
                vs = self.streams.get(item.stream)
                vs.next_seq = item.seq + 1
                for chunk in vs.rechunker.push(item.seq, item.samples, item.t_recv):
                    self._stats.audio_samples += len(chunk.samples)
                    self._dispatch(vs, vs.segmenter.push(chunk, vs.classifier.is_speech(chunk.samples)))
                # Acks are sent by the heartbeat thread (acks.py), which keeps going while this
                # thread is blocked on a full STT queue.
                self._update_floor(vs)
                continue
            if isinstance(item, Configure):
                self.streams.get(item.stream)
                self._jobs.put(Job(item.stream, ConfigureStream(item.options)))
                continue
            assert isinstance(item, EndOfStream)
            if not item.shutdown:
                self._end(self.streams.get(item.stream))
                continue
            for vs in self.streams:
                self._end(vs)
            self._jobs.put(STOP)
            return

    def _end(self, vs: _VadStream) -> None:
        """flush: finish the stream's utterance now; a named stream then closes (after its final)."""
        tail = vs.rechunker.take_tail()
        if tail is not None:
            self._stats.audio_samples += len(tail.samples)
        self._dispatch(vs, vs.segmenter.flush(tail))
        self._update_floor(vs)
        vs.acks.maybe_ack(force=True)
        if vs.ref.closable:
            self._jobs.put(Job(vs.ref, CloseStream()))
            self.streams.drop(vs.ref.key)

    def _update_floor(self, vs: _VadStream) -> None:
        held = [s for s in (vs.segmenter.held_from_seq, vs.rechunker.held_from_seq) if s is not None]
        vs.acks.set_vad_floor(min(held) if held else vs.next_seq)

    def _dispatch(self, vs: _VadStream, events: list[SegmentEvent]) -> None:
        ref = vs.ref
        for ev in events:
            if isinstance(ev, SpeechAudio):
                # Blocking on purpose: a full STT queue must back up into the ingest queue.
                self._jobs.put(Job(ref, ev))
            elif isinstance(ev, SpeechStarted):
                self._stats.utterances += 1
                vs.acks.utterance_opened(ev.utterance, ev.first_seq)
                self._output.emit(protocol.speech_start(ev.utterance, samples_to_ms(ev.start_sample), ref.name))
                self._jobs.put(Job(ref, ev))
            elif isinstance(ev, SpeechPaused):
                self._jobs.put(Job(ref, ev))
            elif isinstance(ev, SpeechEnded):
                self._publish_speech_end(ev.utterance, protocol.speech_end(
                    ev.utterance, samples_to_ms(ev.end_sample), ref.name), ref)
                self._jobs.put(Job(ref, ev))
            elif isinstance(ev, NoSpeech):
                self._stats.no_speech += 1
                self._output.emit(protocol.no_speech(samples_to_ms(ev.end_sample), ref.name))


@dataclass(slots=True)
class _Utterance:
    id: int
    start_sample: int
    pieces: list[np.ndarray] = field(default_factory=list)
    samples: int = 0
    end_sample: int = 0
    t_recv: float = 0.0
    samples_at_last_partial: int = 0
    last_partial: str = ""

    def append(self, audio: SpeechAudio) -> None:
        self.pieces.append(audio.samples)
        self.samples += len(audio.samples)
        self.end_sample, self.t_recv = audio.end_sample, audio.t_recv

    def tail(self, max_samples: int) -> np.ndarray:
        picked: list[np.ndarray] = []
        total = 0
        for piece in reversed(self.pieces):
            picked.append(piece)
            total += len(piece)
            if total >= max_samples:
                break
        return np.concatenate(picked[::-1])[-max_samples:]

    def whole(self) -> np.ndarray:
        return np.concatenate(self.pieces) if self.pieces else np.zeros(0, dtype=np.int16)


@dataclass(slots=True)
class _Speculation:
    """A final decoded at a pause, waiting to learn whether the utterance ended there."""

    utterance: int
    end_sample: int
    result: Transcript | None
    error: Exception | None
    decode_s: float


def _to_float(samples: np.ndarray) -> np.ndarray:
    return samples.astype(np.float32) / 32768.0


def _ms_since(t: float) -> int:
    return max(0, round((time.monotonic() - t) * 1000))


@dataclass(slots=True)
class _SttStream:
    """What the STT thread keeps per stream: the utterance being transcribed and its speculation."""

    ref: StreamRef
    acks: AckTracker
    options: DecodeOptions
    engine: Engine
    refused: bool = False  # it asked for what this worker cannot serve: nothing is transcribed
    utt: _Utterance | None = None
    spec: _Speculation | None = None


class SttStage:
    def __init__(self, engine: Engine, jobs: "queue.Queue[Job | SttJob]", output: Output, acks: AckHub,
                 stats: Stats, partial_window_s: float, partial_every_s: float,
                 watchdog: SttWatchdog, timing: bool = False, first_partial_s: float | None = None,
                 speculation_void: Callable[[int, int, int], bool] = lambda key, utterance, sample: False,
                 options: DecodeOptions = DecodeOptions(),
                 load_model: Callable[[str], Engine] | None = None) -> None:
        """options: how a stream decodes unless it says otherwise (the worker's stt.* settings);
        load_model: another model by name, for a stream that asks for one (loaded once, kept)."""
        self._engine = engine
        self._defaults = options
        self._load_model = load_model
        self._engines: dict[str, Engine] = {engine.model: engine}
        self._timing = timing
        self._speculation_void = speculation_void
        self._jobs = jobs
        self._output = output
        self._acks = acks
        self._stats = stats
        self._window = int(partial_window_s * protocol.SAMPLE_RATE)
        self._every = int(partial_every_s * protocol.SAMPLE_RATE)
        # The first partial of an utterance is due after this much utterance audio (pre-roll
        # included), so the preview appears soon after speech starts.
        self._first = int((partial_every_s if first_partial_s is None else first_partial_s) * protocol.SAMPLE_RATE)
        self._watchdog = watchdog
        self._sched: SttScheduler[SttJob] = SttScheduler()
        self.streams: Registry[_SttStream] = Registry(lambda ref: _SttStream(ref, acks.tracker(ref), options, engine))
        # Partials of an utterance the VAD already ended are stale and must not follow its
        # speech_end. Checking and emitting under one lock, which the VAD's speech_end also
        # takes, makes "ended?" and "written" one step: no partial can slip in between.
        self._publish_lock = threading.Lock()
        self._ended_through: dict[int, int] = {}  # stream key -> last utterance ended

    def publish_speech_end(self, utterance: int, event: Event, stream: StreamRef = DEFAULT) -> None:
        """Called by the VAD thread: marks the utterance ended and writes its speech_end."""
        with self._publish_lock:
            self._ended_through[stream.key] = utterance
            self._output.emit(event)

    def run(self) -> None:
        while True:
            self._take_jobs(block=False)
            pick = self._sched.next()
            if pick is None:
                self._take_jobs(block=True)
            elif isinstance(pick, RunStop):
                self._stats.partials_skipped_behind = self._sched.partials_skipped
                return
            elif isinstance(pick, RunPartial):
                st = self.streams.find(pick.key)
                if st is not None and st.utt is not None:
                    self._partial(st, st.utt)
            else:
                assert isinstance(pick, RunJob)
                st = self.streams.find(pick.key)
                assert st is not None
                self._run_job(st, pick.job)
            self._stats.partials_skipped_behind = self._sched.partials_skipped

    def _take_jobs(self, block: bool) -> None:
        """Moves queued jobs into the scheduler; at most STT_QUEUE_BATCHES per open stream wait
        there (10 s of speech each, as for one stream), so a slow model still backs up into the
        bounded queue (and the reader's stall detection) whatever the number of streams."""
        while self._sched.pending() < STT_QUEUE_BATCHES * max(1, len(self.streams)):
            try:
                item = self._jobs.get() if block else self._jobs.get_nowait()
            except queue.Empty:
                return
            block = False
            if isinstance(item, _Stop):
                self._sched.stop()
                continue
            if not isinstance(item, Job):
                item = Job(DEFAULT, item)
            self.streams.get(item.stream)  # its state exists from its first job to its CloseStream
            self._sched.push(item.stream.key, item.job)

    def _run_job(self, st: _SttStream, job: SttJob) -> None:
        key = st.ref.key
        if isinstance(job, ConfigureStream):
            self._configure(st, job.options)
        elif isinstance(job, SpeechStarted):
            st.utt = _Utterance(job.utterance, job.start_sample)
            st.spec = None
        elif isinstance(job, SpeechAudio):
            assert st.utt is not None and st.utt.id == job.utterance
            st.utt.append(job)
            if self._partial_due(st.utt, job.trailing_unvoiced):
                self._sched.request_partial(key)
        elif isinstance(job, SpeechPaused):
            assert st.utt is not None and st.utt.id == job.utterance
            self._speculate(st, st.utt, job)
        elif isinstance(job, SpeechEnded):
            assert st.utt is not None and st.utt.id == job.utterance
            self._sched.cancel_partial(key)  # the final says it all
            self._final(st, st.utt, job)
            st.utt = None
            st.spec = None
        elif isinstance(job, CloseStream):
            self._sched.cancel_partial(key)
            self._acks.close(st.ref)
            self.streams.drop(key)
            with self._publish_lock:
                self._ended_through.pop(key, None)
            self._stats.streams_closed += 1

    def _configure(self, st: _SttStream, asked: protocol.StreamOptions) -> None:
        """Applies a stream's stream_options; what cannot be served refuses the stream with a
        recoverable UNSERVABLE_REQUEST: it is never decoded some other way (English instead)."""
        given = {"language": asked.language, "initial_prompt": asked.prompt, "temperature": asked.temperature,
                 "word_timestamps": asked.word_timestamps}
        st.options = replace(self._defaults, **{k: v for k, v in given.items() if v is not None})
        st.refused = False
        try:
            st.engine = self._engine_named(asked.model) if asked.model else self._engine
            check = getattr(st.engine, "check", None)
            if check is not None:
                check(st.options)
        except (UnservableRequest, ModelLoadError) as exc:
            st.refused = True
            self._output.emit(protocol.error(ErrorCode.UNSERVABLE_REQUEST, f"{exc}; stream not transcribed",
                                             recoverable=True, stream=st.ref.name))

    def _engine_named(self, name: str) -> Engine:
        engine = self._engines.get(name)
        if engine is None:
            if self._load_model is None:
                raise UnservableRequest(f"this worker serves only model {self._engine.model}")
            log.info("loading model %s for a stream that asked for it", name)
            engine = self._engines[name] = self._load_model(name)
        return engine

    def _speculate(self, st: _SttStream, utt: _Utterance, pause: SpeechPaused) -> None:
        """Decode the final over the audio up to the pause, in case the utterance ends there."""
        st.spec = None
        if utt.end_sample != pause.end_sample or self._speculation_void(st.ref.key, utt.id, pause.end_sample):
            return  # speech already went on: the decode would be thrown away
        self._stats.speculations += 1
        audio = utt.whole()
        t0 = time.monotonic()
        result, error = None, None
        try:
            result = self._transcribe(st, audio, final=True, what=f"the speculative final of utterance {utt.id}")
        except Exception as exc:  # reported only if this turns out to be the final
            log.warning("speculative final of utterance %d failed: %s", utt.id, exc)
            error = exc
        busy = time.monotonic() - t0
        self._stats.final_busy_s += busy
        st.spec = _Speculation(utt.id, pause.end_sample, result, error, busy)

    def _partial_due(self, utt: _Utterance, trailing_unvoiced: int) -> bool:
        # Until a partial said something, retry at the first one's pace, not every 1 s.
        due = self._first if utt.samples_at_last_partial == 0 else \
            self._every if utt.last_partial else min(self._every, self._first // 2)
        if utt.samples - utt.samples_at_last_partial < due:
            return False
        if trailing_unvoiced >= PAUSE_LIKELY_CHUNKS:
            self._stats.partials_postponed += 1  # speech is probably ending: the final comes first
            return False
        return True

    def _partial(self, st: _SttStream, utt: _Utterance) -> None:
        utt.samples_at_last_partial = utt.samples
        audio = utt.tail(self._window)
        t0 = time.monotonic()
        try:
            result = self._transcribe(st, audio, final=False, what=f"a partial of utterance {utt.id}")
        except Exception as exc:
            log.exception("partial transcription failed")
            self._output.emit(protocol.error(ErrorCode.STT_FAILED, f"partial failed: {exc}", recoverable=True,
                                             stream=st.ref.name))
            return
        finally:
            self._stats.partial_busy_s += time.monotonic() - t0
            self._stats.partial_audio_s += len(audio) / protocol.SAMPLE_RATE
        if result is None or result.text == utt.last_partial:
            return
        with self._publish_lock:
            if utt.id <= self._ended_through.get(st.ref.key, 0):
                return
            utt.last_partial = result.text
            self._stats.partials += 1
            self._output.emit(protocol.partial_text(utt.id, result.text, samples_to_ms(utt.end_sample),
                                                    _ms_since(utt.t_recv), st.ref.name))

    def _transcribe(self, st: _SttStream, audio: np.ndarray, *, final: bool, what: str) -> Transcript | None:
        if st.refused:
            return None
        self._watchdog.started(len(audio) / protocol.SAMPLE_RATE, what)
        try:
            return st.engine.transcribe(_to_float(audio), final=final, options=st.options)
        finally:
            self._watchdog.finished()

    def _final(self, st: _SttStream, utt: _Utterance, end: SpeechEnded) -> None:
        t_pickup = time.monotonic()
        spec = st.spec
        name = st.ref.name
        if (spec is not None and end.speculation is not None and spec.utterance == utt.id
                and spec.end_sample == end.speculation):
            # No speech after the pause: the decode already done is this utterance's final.
            self._stats.finals_speculative += 1
            self._stats.final_audio_s += (spec.end_sample - utt.start_sample) / protocol.SAMPLE_RATE
            busy, result, speculative = spec.decode_s, spec.result, True
            if spec.error is not None:
                self._output.emit(protocol.error(ErrorCode.STT_FAILED,
                                                 f"utterance {utt.id}: transcription failed: {spec.error}",
                                                 recoverable=True, stream=name))
        else:
            result, busy = self._decode_final(st, utt)
            speculative = False
        audio_s = utt.samples / protocol.SAMPLE_RATE
        if result is not None:
            self._stats.finals += 1
        else:
            self._stats.finals_empty += 1  # filtered out, or failed: still closes the utterance
        self._output.emit(protocol.final_text(utt.id, result.text if result is not None else "",
                                              samples_to_ms(utt.start_sample), samples_to_ms(end.end_sample),
                                              _ms_since(end.t_recv), result, name))
        log.debug("stream %r utterance %d: %.2f s audio, final in %.3f s", name, utt.id, audio_s, busy)
        if self._timing:
            t_written = time.monotonic()
            log.info("timing %s", json.dumps({
                "stream": name, "utterance": utt.id, "audio_s": round(audio_s, 3), "speculative": speculative,
                "silence_wait_ms": round((end.t_recv - end.t_last_voiced) * 1000) if end.t_last_voiced else None,
                "queue_ms": round((t_pickup - end.t_recv) * 1000),
                "decode_ms": round(busy * 1000),  # a speculative one ran before the end was known
                "latency_ms": round((t_written - end.t_recv) * 1000)}))
        st.acks.utterance_done(utt.id)
        st.acks.maybe_ack(force=True)

    def _decode_final(self, st: _SttStream, utt: _Utterance) -> tuple[Transcript | None, float]:
        """The whole utterance decoded (None: nothing to publish, or failed) and the seconds it took."""
        audio = utt.whole()
        t0 = time.monotonic()
        result = None
        try:
            result = self._transcribe(st, audio, final=True, what=f"the final of utterance {utt.id}")
        except Exception as exc:
            log.exception("final transcription failed")
            self._output.emit(protocol.error(ErrorCode.STT_FAILED,
                                             f"utterance {utt.id}: transcription failed: {exc}",
                                             recoverable=True, stream=st.ref.name))
        busy = time.monotonic() - t0
        self._stats.final_busy_s += busy
        self._stats.final_audio_s += len(audio) / protocol.SAMPLE_RATE
        return result, busy
