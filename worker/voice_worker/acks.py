"""Which seq is fully consumed, and when to say so.

A frame is consumed once it was judged silence and left the pre-roll, or once the final of the
utterance holding it was written (or the utterance was found to hold no text). Utterances finish
in order, so the watermark is simply: one below the oldest frame still held anywhere.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable

from . import protocol
from .output import Output

# DESIGN.md §3 wants an ack at least every 200 ms while audio flows; half that leaves slack for
# scheduling jitter on a loaded machine.
ACK_INTERVAL_S = 0.1


class AckTracker:
    def __init__(self, output: Output, clock: Callable[[], float] = time.monotonic) -> None:
        self._output = output
        self._clock = clock
        self._lock = threading.Lock()
        self._vad_floor = 0  # lowest seq the VAD stage still holds, or the next seq it expects
        self._open: OrderedDict[int, int] = OrderedDict()  # utterance -> its first seq
        self._sent = -1
        self._sent_at = float("-inf")

    def utterance_opened(self, utterance: int, first_seq: int) -> None:
        with self._lock:
            self._open[utterance] = first_seq

    def utterance_done(self, utterance: int) -> None:
        with self._lock:
            self._open.pop(utterance, None)

    def speech_pending(self) -> bool:
        with self._lock:
            return bool(self._open)

    def set_vad_floor(self, next_unconsumed_seq: int) -> None:
        with self._lock:
            self._vad_floor = next_unconsumed_seq

    def watermark(self) -> int:
        with self._lock:
            return self._watermark_locked()

    def _watermark_locked(self) -> int:
        floor = self._vad_floor
        if self._open:
            floor = min(floor, next(iter(self._open.values())))
        return max(self._sent, floor - 1)

    def maybe_ack(self, *, force: bool = False) -> None:
        """Send an ack if the interval elapsed (a heartbeat while audio flows), or if forced and new."""
        with self._lock:
            seq = self._watermark_locked()
            if seq < 0:
                return
            now = self._clock()
            if force:
                if seq == self._sent:
                    return
            elif now - self._sent_at < ACK_INTERVAL_S:
                return
            self._sent, self._sent_at = seq, now
            # Under the lock so acks leave in increasing order whichever thread sends them.
            self._output.emit(protocol.ack(seq))
