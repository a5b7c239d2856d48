"""The single stdout writer: one lock, one whole line per write, so threads never interleave."""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from typing import BinaryIO, Callable, NoReturn

from .protocol import Event

log = logging.getLogger(__name__)


class Output:
    def __init__(self, stream: BinaryIO, on_closed: Callable[[], NoReturn]) -> None:
        self._stream = stream
        self._on_closed = on_closed
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def emit(self, event: Event) -> None:
        line = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
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
