"""Which STT work runs next when several streams share one model: finals first.

Pure bookkeeping, no threads: the STT thread pushes the jobs the VAD made (in arrival order)
and asks `next()` what to do. The policy:
  1. Cheap jobs (an utterance starts, audio is appended, options are set) run first, oldest first: they cost
     microseconds and may unblock a stream's final work behind them.
  2. Then work that leads to a final -- SpeechPaused (the speculative decode of the final),
     SpeechEnded (the final), CloseStream (the flush's end) -- of ANY stream, oldest first.
  3. Only when no stream has such work does a partial run: the one due longest.
Each stream's own jobs run strictly in their arrival order (only its head is ever picked).
A partial is a request per stream, not a job: a request made while one is still waiting is
coalesced into it (the later decode covers the newer audio), and a waiting request is dropped
when its utterance ends, since the final supersedes it. Both count as `partials_skipped`.
Stop is a barrier: it is returned only once every stream's jobs are done.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

from .segmenter import SpeechAudio, SpeechEnded, SpeechPaused, SpeechStarted

J = TypeVar("J")


@dataclass(frozen=True, slots=True)
class CloseStream:
    """The stream's flush has gone through the VAD: after its final, say stream_closed."""


@dataclass(frozen=True, slots=True)
class ConfigureStream:
    """The stream's stream_options: how its audio is decoded from here on."""

    options: object  # protocol.StreamOptions


@dataclass(frozen=True, slots=True)
class RunJob(Generic[J]):
    key: int
    job: J


@dataclass(frozen=True, slots=True)
class RunPartial:
    key: int


@dataclass(frozen=True, slots=True)
class RunStop:
    pass


Pick = RunJob | RunPartial | RunStop


def is_cheap(job: object) -> bool:
    return isinstance(job, (SpeechStarted, SpeechAudio, ConfigureStream))


def leads_to_final(job: object) -> bool:
    return isinstance(job, (SpeechPaused, SpeechEnded, CloseStream))


class SttScheduler(Generic[J]):
    def __init__(self) -> None:
        self._lanes: dict[int, deque[tuple[int, J]]] = {}  # key -> (arrival, job), oldest first
        self._arrivals = 0
        self._partials: OrderedDict[int, None] = OrderedDict()  # keys with a partial due, oldest first
        self._stopping = False
        self.partials_skipped = 0

    def push(self, key: int, job: J) -> None:
        self._lanes.setdefault(key, deque()).append((self._arrivals, job))
        self._arrivals += 1

    def stop(self) -> None:
        self._stopping = True

    def pending(self) -> int:
        """Jobs waiting (partial requests excluded): the STT thread bounds its intake by this."""
        return sum(len(lane) for lane in self._lanes.values())

    def request_partial(self, key: int) -> None:
        if key in self._partials:
            self.partials_skipped += 1  # coalesced into the waiting one
        else:
            self._partials[key] = None

    def cancel_partial(self, key: int) -> None:
        """The stream's utterance ended (or the stream closed): its waiting partial is moot."""
        if self._partials.pop(key, 0) is None:
            self.partials_skipped += 1

    def next(self) -> Pick | None:
        """What to run now, or None: nothing runnable until more jobs arrive."""
        key = self._oldest_head(is_cheap)
        if key is None:
            key = self._oldest_head(leads_to_final)
        if key is not None:
            lane = self._lanes[key]
            _, job = lane.popleft()
            if not lane:
                del self._lanes[key]  # lanes of closed streams must not pile up
            return RunJob(key, job)
        if self._partials:
            if self._stopping:
                self.partials_skipped += len(self._partials)
                self._partials.clear()
            else:
                return RunPartial(self._partials.popitem(last=False)[0])
        if self._stopping and not self._lanes:
            return RunStop()
        return None

    def _oldest_head(self, kind: Callable[[object], bool]) -> int | None:
        """The stream whose next job is of that kind and arrived first."""
        best: tuple[int, int] | None = None  # (arrival, key)
        for key, lane in self._lanes.items():
            arrival, job = lane[0]
            if kind(job) and (best is None or arrival < best[0]):
                best = (arrival, key)
        return None if best is None else best[1]
