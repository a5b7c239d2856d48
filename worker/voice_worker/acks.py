"""Which seq is fully consumed, and when to say so.

A frame is consumed once it was judged silence and left the pre-roll, or once the final of the
utterance holding it was written (or the utterance was found to hold no text). Utterances finish
in order, so the watermark is simply: one below the oldest frame still held anywhere.

The heartbeat runs on its own thread, driven by a clock rather than by the VAD thread: an ack
goes out at least every ACK_INTERVAL_S while frames arrive, even when the VAD thread is blocked
on a full STT queue. When nothing is consumed yet (speech from the very first frame, held until
its final) the ack says seq -1: vacuously true, never a claim on a frame still held. Acks never
go backwards.

Protocol v2: one AckTracker per stream (its own watermark and "received"), all kept by one
AckHub, whose single heartbeat thread serves every stream.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable

from . import protocol
from .output import Output
from .streams import StreamRef

# DESIGN.md §3 wants an ack at least every 200 ms while audio flows; half that leaves slack for
# scheduling jitter on a loaded machine.
ACK_INTERVAL_S = 0.1
# "While audio flows": the heartbeat goes quiet this long after the last frame arrived, so an
# idle worker does not chatter. Progress after that (a final) is still acked, by a forced ack.
AUDIO_FLOWING_S = 1.0


class AckTracker:
    def __init__(self, output: Output, clock: Callable[[], float] = time.monotonic, stream: str = "") -> None:
        self._output = output
        self._clock = clock
        self._stream = stream
        self._closed = False
        self._lock = threading.Lock()
        self._vad_floor = 0  # lowest seq the VAD stage still holds, or the next seq it expects
        self._open: OrderedDict[int, int] = OrderedDict()  # utterance -> its first seq
        self._sent = -1
        self._sent_at = float("-inf")
        self._audio_at = float("-inf")
        self._received = 0  # audio_frame lines the reader accepted, for the ack's "received"

    def audio_received(self) -> None:
        """The reader accepted a frame: audio flows, so the heartbeat runs."""
        with self._lock:
            self._audio_at = self._clock()
            self._received += 1

    def heartbeat_once(self) -> None:
        with self._lock:
            flowing = self._clock() - self._audio_at <= AUDIO_FLOWING_S
        if flowing:
            self.maybe_ack()

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

    def _watermark_locked(self) -> int:
        floor = self._vad_floor
        if self._open:
            floor = min(floor, next(iter(self._open.values())))
        return max(self._sent, floor - 1)

    def maybe_ack(self, *, force: bool = False) -> None:
        """Send an ack if the interval elapsed (a heartbeat), or if forced and new.

        The heartbeat may say -1 (nothing consumed yet); a forced ack only reports progress.
        """
        with self._lock:
            if self._closed:
                return
            seq = self._watermark_locked()
            now = self._clock()
            if force:
                if seq == self._sent:
                    return
            elif now - self._sent_at < ACK_INTERVAL_S:
                return
            self._sent, self._sent_at = seq, now
            # Under the lock so acks leave in increasing order whichever thread sends them.
            self._output.emit(protocol.ack(seq, self._received, self._stream))

    def close(self) -> None:
        """The stream's flush is done: a last ack if it is new, then stream_closed, then silence.

        One step under the lock, so the heartbeat can never slip an ack in after stream_closed.
        """
        self.maybe_ack(force=True)
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._output.emit(protocol.stream_closed(self._stream))


class AckHub:
    """The AckTracker of every open stream, and the one heartbeat thread that serves them all.

    Trackers are created by whichever thread first needs one (usually the reader, on a stream's
    first frame) and dropped when the STT thread closes the stream.
    """

    def __init__(self, output: Output, clock: Callable[[], float] = time.monotonic) -> None:
        self._output = output
        self._clock = clock
        self._lock = threading.Lock()
        self._trackers: dict[int, AckTracker] = {}
        self.peak = 0

    def tracker(self, ref: StreamRef) -> AckTracker:
        with self._lock:
            tracker = self._trackers.get(ref.key)
            if tracker is None:
                tracker = self._trackers[ref.key] = AckTracker(self._output, self._clock, ref.name)
                self.peak = max(self.peak, len(self._trackers))
            return tracker

    def audio_received(self, ref: StreamRef) -> None:
        self.tracker(ref).audio_received()

    def close(self, ref: StreamRef) -> None:
        """Last ack and stream_closed for the stream, and forget it."""
        # Forgotten before stream_closed is out: the sidecar may open its next stream on seeing it.
        with self._lock:
            tracker = self._trackers.pop(ref.key, None)
        if tracker is None:  # flushed before any frame: still gets its stream_closed
            tracker = AckTracker(self._output, self._clock, ref.name)
        tracker.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self._trackers)

    def _snapshot(self) -> list[AckTracker]:
        with self._lock:
            return list(self._trackers.values())

    def maybe_ack_all(self, *, force: bool = False) -> None:
        for tracker in self._snapshot():
            tracker.maybe_ack(force=force)

    def run_heartbeat(self) -> None:
        """Thread body: never returns (a daemon thread)."""
        while True:
            # Half the interval, so a due ack is at most ~50 ms late on an idle scheduler.
            time.sleep(ACK_INTERVAL_S / 2)
            for tracker in self._snapshot():
                tracker.heartbeat_once()
