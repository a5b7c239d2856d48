"""Stream identity and per-stream state tables (protocol v2: several streams through one worker).

A stream is named by the sidecar ("" is the default stream of v1 lines), but a name can be
reused after its flush. Inside the worker each incarnation therefore gets a StreamRef with a
key of its own: state of a closed incarnation that is still draining through the VAD and STT
threads never mixes with a new one of the same name. The default stream has key 0 and is
never closed.

Each thread keeps its own Registry of the state it owns (the reader its seq tracker, the VAD
thread its segmenter, the STT thread its utterance), creates an entry on a stream's first item
and drops it when the stream closes, so memory follows the streams open now, not those ever seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generic, Iterator, TypeVar

from .protocol import DEFAULT_STREAM


@dataclass(frozen=True, slots=True)
class StreamRef:
    key: int  # unique per incarnation within this worker process
    name: str  # what the sidecar calls it; "" for the default stream

    @property
    def closable(self) -> bool:
        """Named streams end with their flush; the default stream lives as long as the worker."""
        return self.name != DEFAULT_STREAM


DEFAULT = StreamRef(0, DEFAULT_STREAM)

T = TypeVar("T")


class Registry(Generic[T]):
    """Per-stream state of one thread, by StreamRef.key; `peak` is the most ever open at once."""

    def __init__(self, create: Callable[[StreamRef], T]) -> None:
        self._create = create
        self._items: dict[int, T] = {}
        self.peak = 0

    def get(self, ref: StreamRef) -> T:
        item = self._items.get(ref.key)
        if item is None:
            item = self._items[ref.key] = self._create(ref)
            self.peak = max(self.peak, len(self._items))
        return item

    def find(self, key: int) -> T | None:
        return self._items.get(key)

    def drop(self, key: int) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        """A snapshot, so a caller may drop entries while iterating."""
        return iter(list(self._items.values()))
