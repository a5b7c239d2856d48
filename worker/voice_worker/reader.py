"""The stdin reader thread: parses lines, answers pings itself, and feeds the ingest queue.

Pings are answered here, not downstream, so a pong proves input is consumed even while the
model is busy. The 5 s put timeout is the stall detector of ADR-013: if the pipeline has not
taken a frame for 5 s, the worker reports INGEST_QUEUE_FULL and exits for the supervisor to
restart it (the daemon's own 5 s ring trips at the same time). A model that hangs while no audio
backs up (during silence, at shutdown) is caught by the clock instead (stt_watchdog.py).

No line, however hostile, stops this thread: parse errors are recoverable errors, and anything
unexpected while handling one line is reported as a recoverable INTERNAL_ERROR before reading on
(DESIGN.md §3: malformed lines are never fatal, never a reason to stop reading).
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

log = logging.getLogger(__name__)

INGEST_QUEUE_FRAMES = 500
INGEST_PUT_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Frame:
    seq: int
    samples: np.ndarray
    t_recv: float


@dataclass(frozen=True, slots=True)
class EndOfStream:
    """flush (shutdown=False) or shutdown/EOF (shutdown=True), in order with the frames."""

    shutdown: bool


IngestItem = Frame | EndOfStream


class Reader:
    def __init__(self, stream: BinaryIO, output: Output, ingest: "queue.Queue[IngestItem]", stats: Stats,
                 die: Callable[[ErrorCode, str, int], NoReturn],
                 on_audio: Callable[[], None] = lambda: None,
                 put_timeout_s: float = INGEST_PUT_TIMEOUT_S) -> None:
        self._stream = stream
        self._output = output
        self._ingest = ingest
        self._stats = stats
        self._die = die
        self._put_timeout_s = put_timeout_s
        self._on_audio = on_audio
        self._seqs = SeqTracker()

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
                    self._lost_frame(exc.seq)
            self._recoverable(exc.code, exc.message)
            return True
        match msg:
            case Ping(id=ping_id):
                self._output.emit(protocol.pong(ping_id))
            case AudioFrame():
                self._on_frame(msg, time.monotonic())
            case Flush():
                self._put(EndOfStream(shutdown=False))
            case Shutdown():
                log.info("shutdown requested")
                self._put(EndOfStream(shutdown=True))
                return False
        return True

    def _on_frame(self, frame: AudioFrame, t_recv: float) -> None:
        verdict = self._seqs.check(frame.seq)
        self._count(verdict)
        if verdict.problem is not None:
            self._recoverable(ErrorCode.BAD_FRAME, verdict.problem)
        if not verdict.accept:
            self._stats.frames_dropped += 1
            return
        self._stats.frames += 1
        self._on_audio()
        self._put(Frame(frame.seq, frame.samples, t_recv))

    def _lost_frame(self, seq: int) -> None:
        """A frame with a valid seq but unusable audio: it still takes its place in the sequence."""
        verdict = self._seqs.check(seq)
        if verdict.accept:  # otherwise the bad data alone is reported: one frame, one error
            self._count(verdict)
            if verdict.problem is not None:  # a real gap before it, or a resync
                self._recoverable(ErrorCode.BAD_FRAME, verdict.problem)

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

    def _recoverable(self, code: ErrorCode, message: str) -> None:
        self._stats.recoverable_errors += 1
        log.warning("%s: %s", code, message)
        self._output.emit(protocol.error(code, message, recoverable=True))
