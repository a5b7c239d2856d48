"""The stdin reader thread: parses lines, answers pings itself, and feeds the ingest queue.

Pings are answered here, not downstream, so a pong proves input is consumed even while the
model is busy. The 5 s put timeout is the stall detector of ADR-013: if the pipeline has not
taken a frame for 5 s, the worker reports INGEST_QUEUE_FULL and exits for the supervisor to
restart it (the daemon's own 5 s ring trips at the same time). A model that hangs while no audio
backs up (during silence, at shutdown) is caught by the clock instead (stt_watchdog.py).

No line, however hostile, stops this thread: parse errors are recoverable errors, and anything
unexpected while handling one line is reported as a recoverable INTERNAL_ERROR before reading on
(DESIGN.md §3: malformed lines are never fatal, never a reason to stop reading).

Protocol v2: each stream has its own SeqTracker here. A flush of a named stream forgets it at
once, so the next frame of that name starts a new incarnation (a new StreamRef) at seq 0.
"""

from __future__ import annotations

import logging
import queue
import time
from dataclasses import dataclass
from typing import BinaryIO, Callable, NoReturn

import numpy as np

from . import protocol
from .lines import Line, read_line
from .output import Output
from .protocol import AudioFrame, ErrorCode, Flush, Ping, ProtocolError, Shutdown
from .sequence import SeqTracker, Verdict
from .stats import Stats
from .streams import DEFAULT, StreamRef

log = logging.getLogger(__name__)

INGEST_QUEUE_FRAMES = 500
INGEST_PUT_TIMEOUT_S = 5.0
# Named streams open at once. The sidecar runs at most audio.max_recordings; far more is a sender
# bug, and each stream costs a segmenter and an utterance buffer.
MAX_OPEN_STREAMS = 256


@dataclass(frozen=True, slots=True)
class Frame:
    seq: int
    samples: np.ndarray
    t_recv: float
    stream: StreamRef = DEFAULT


@dataclass(frozen=True, slots=True)
class EndOfStream:
    """flush of `stream` (shutdown=False) or shutdown/EOF of all streams (shutdown=True), in
    order with the frames."""

    shutdown: bool
    stream: StreamRef = DEFAULT


@dataclass(frozen=True, slots=True)
class Configure:
    """stream_options of `stream`, in order with its frames: the STT stage applies them."""

    stream: StreamRef
    options: protocol.StreamOptions


IngestItem = Frame | EndOfStream | Configure


class Reader:
    def __init__(self, stream: BinaryIO, output: Output, ingest: "queue.Queue[IngestItem]", stats: Stats,
                 die: Callable[[ErrorCode, str, int], NoReturn],
                 on_audio: Callable[[StreamRef], None] = lambda ref: None,
                 put_timeout_s: float = INGEST_PUT_TIMEOUT_S) -> None:
        self._stream = stream
        self._output = output
        self._ingest = ingest
        self._stats = stats
        self._die = die
        self._put_timeout_s = put_timeout_s
        self._on_audio = on_audio
        self._streams: dict[str, tuple[StreamRef, SeqTracker]] = {}
        self._next_key = 1  # 0 is the default stream's
        self.peak_streams = 0

    def run(self) -> None:
        while True:
            line = read_line(self._stream, protocol.MAX_LINE_BYTES)
            if line is None:
                log.info("stdin closed: finishing like shutdown")
                self._put(EndOfStream(shutdown=True))
                return
            self._stats.lines += 1
            try:
                if not self._handle(line):
                    return
            except Exception as exc:  # the backstop: a bug on one line must not end all reading
                log.exception("unexpected error while handling a stdin line")
                self._recoverable(ErrorCode.INTERNAL_ERROR,
                                  f"line skipped after an internal error: {type(exc).__name__}")

    def _handle(self, line: Line) -> bool:
        """Act on one line; False once shutdown was requested."""
        if line.too_long:
            self._recoverable(ErrorCode.LINE_TOO_LONG,
                              f"line of {line.length} bytes exceeds {protocol.MAX_LINE_BYTES}; skipped")
            return True
        if not line.data.strip():
            return True  # a blank line carries nothing; not worth an error
        try:
            msg = protocol.parse_line(line.data)
        except ProtocolError as exc:
            if exc.code is ErrorCode.BAD_FRAME:
                self._stats.frames_dropped += 1
                if exc.seq is not None:
                    self._lost_frame(exc.stream, exc.seq)
            self._recoverable(exc.code, exc.message, exc.stream)
            return True
        match msg:
            case Ping(id=ping_id):
                self._output.emit(protocol.pong(ping_id))
            case AudioFrame():
                self._on_frame(msg, time.monotonic())
            case protocol.StreamOptions(stream=name):
                entry = self._open_stream(name)
                if entry is None:
                    self._recoverable(ErrorCode.BAD_MESSAGE, f"stream {name!r} would be the {MAX_OPEN_STREAMS + 1}th "
                                      "open stream; flush finished streams first; stream_options dropped", name)
                else:
                    self._put(Configure(entry[0], msg))
            case Flush(stream=name):
                self._put(EndOfStream(shutdown=False, stream=self._flushed(name)))
            case Shutdown():
                log.info("shutdown requested")
                self._put(EndOfStream(shutdown=True))
                return False
        return True

    def _open_stream(self, name: str) -> tuple[StreamRef, SeqTracker] | None:
        """The open stream of that name, opened now if new; None when too many are open."""
        entry = self._streams.get(name)
        if entry is None:
            if name and len(self._streams) >= MAX_OPEN_STREAMS:
                return None
            ref = DEFAULT if not name else StreamRef(self._next_key, name)
            if name:
                self._next_key += 1
                self._stats.streams_opened += 1
            entry = self._streams[name] = (ref, SeqTracker())
            self.peak_streams = max(self.peak_streams, len(self._streams))
        return entry

    def _flushed(self, name: str) -> StreamRef:
        """The stream a flush ends. A named one is forgotten here: its next frame opens a new one."""
        if not name:
            return DEFAULT  # kept: v1 numbers on across flushes
        entry = self._streams.pop(name, None)
        if entry is not None:
            return entry[0]
        # Flushed without a frame (or twice): still answered, with its own stream_closed.
        ref = StreamRef(self._next_key, name)
        self._next_key += 1
        return ref

    def _on_frame(self, frame: AudioFrame, t_recv: float) -> None:
        entry = self._open_stream(frame.stream)
        if entry is None:
            self._stats.frames_dropped += 1
            self._recoverable(ErrorCode.BAD_FRAME, f"stream {frame.stream!r} would be the "
                              f"{MAX_OPEN_STREAMS + 1}th open stream; flush finished streams first; "
                              "frame dropped", frame.stream)
            return
        ref, seqs = entry
        verdict = seqs.check(frame.seq)
        self._count(verdict)
        if verdict.problem is not None:
            self._recoverable(ErrorCode.BAD_FRAME, verdict.problem, ref.name)
        if not verdict.accept:
            self._stats.frames_dropped += 1
            return
        self._stats.frames += 1
        self._on_audio(ref)
        self._put(Frame(frame.seq, frame.samples, t_recv, ref))

    def _lost_frame(self, name: str, seq: int) -> None:
        """A frame with a valid seq but unusable audio: it still takes its place in the sequence."""
        entry = self._open_stream(name)
        if entry is None:
            return
        verdict = entry[1].check(seq)
        if verdict.accept:  # otherwise the bad data alone is reported: one frame, one error
            self._count(verdict)
            if verdict.problem is not None:  # a real gap before it, or a resync
                self._recoverable(ErrorCode.BAD_FRAME, verdict.problem, name)

    def _count(self, verdict: Verdict) -> None:
        if verdict.missing:
            self._stats.seq_gaps += 1
            self._stats.seq_missing += verdict.missing
        elif verdict.behind:
            self._stats.seq_reordered += 1
        elif verdict.resynced:
            self._stats.seq_resyncs += 1
        elif not verdict.accept:
            self._stats.seq_jumps_rejected += 1

    def _put(self, item: IngestItem) -> None:
        try:
            self._ingest.put(item, timeout=self._put_timeout_s)
        except queue.Full:
            self._die(ErrorCode.INGEST_QUEUE_FULL,
                      f"ingest queue full ({self._ingest.maxsize} frames) for {self._put_timeout_s:g} s: "
                      "speech-to-text stalled", protocol.ExitCode.INGEST_QUEUE_FULL)

    def _recoverable(self, code: ErrorCode, message: str, stream: str = protocol.DEFAULT_STREAM) -> None:
        self._stats.recoverable_errors += 1
        log.warning("%s: %s%s", code, f"stream {stream}: " if stream else "", message)
        self._output.emit(protocol.error(code, message, recoverable=True, stream=stream))

    @property
    def open_streams(self) -> int:
        return len(self._streams)
