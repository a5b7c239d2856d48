"""The single stdout writer: one lock, one whole line per write, so threads never interleave."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import BinaryIO, Callable, NoReturn

from . import protocol
from .protocol import ErrorCode, Event, encode

log = logging.getLogger(__name__)


class Output:
    def __init__(self, stream: BinaryIO, on_closed: Callable[[], NoReturn]) -> None:
        self._stream = stream
        self._on_closed = on_closed
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def emit(self, event: Event) -> None:
        try:
            line = encode(event)
        except (ValueError, TypeError, RecursionError) as exc:
            # Whatever thread emits must survive a bad value (a ping id, a transcript): losing
            # one event is recoverable, a dead reader or STT thread is not.
            kind = str(event.get("type"))[:32]
            log.error("cannot serialise a %s event (%s: %s); reporting an error instead",
                      kind, type(exc).__name__, exc)
            event = protocol.error(ErrorCode.INTERNAL_ERROR,
                                   f"a {kind!r} event could not be written as JSON ({type(exc).__name__})",
                                   recoverable=True)
            line = encode(event)
        with self._lock:
            try:
                self._stream.write(line)
                # Unbuffered delivery matters more than syscall count: a pong or a final that
                # sits in a userspace buffer is a missed deadline for the daemon.
                self._stream.flush()
            except (BrokenPipeError, ValueError, OSError) as exc:
                log.error("stdout is closed (%s); nobody can hear us, exiting", exc)
                self._on_closed()
            self.counts[event["type"]] += 1
