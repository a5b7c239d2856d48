"""Typed events of GET /v1/events and a sans-IO parser of the server-sent-event wire format.

The parser turns lines into `Event` objects and knows nothing of sockets, so the sync and the
async stream (stream.py) share it. Known event types get their own dataclass with typed fields
(match on the class); anything else is a plain `Event`, so a newer daemon's events still arrive.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from .models import _float, _int, _str


@dataclass(frozen=True)
class Event:
    """One event: `id` is the daemon's increasing event id (None for `lagged`), `type` its SSE
    event name, `data` the whole JSON object the daemon sent."""

    id: int | None
    type: str
    data: Mapping[str, Any] = field(repr=False)

    @property
    def recording(self) -> str | None:
        """The id of the recording the event belongs to (None for the worker's and daemon's own)."""
        value = self.data.get("recording")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Lagged(Event):
    """The stream could not deliver `missed` events (a slow reader, or a resume older than the
    daemon's event ring): exactly that many were skipped before the next event."""

    missed: int


@dataclass(frozen=True)
class WorkerState(Event):
    """The supervised worker changed state (stopped, starting, running, backoff, ...)."""

    state: str
    pid: int | None
    reason: str | None


@dataclass(frozen=True)
class Ready(Event):
    """The worker loaded its model and is ready for audio."""

    engine: str | None
    model: str | None


@dataclass(frozen=True)
class SpeechBoundary(Event):
    """`speech_start` or `speech_end` of an utterance, at `audio_ms` on the recording's timeline."""

    utterance: int | None
    audio_ms: float | None


@dataclass(frozen=True)
class PartialText(Event):
    """Text so far of the utterance in progress; a later partial or the final replaces it."""

    utterance: int | None
    text: str
    audio_ms: float | None


@dataclass(frozen=True)
class FinalText(Event):
    """The final text of one utterance, with its span on the recording's timeline."""

    utterance: int | None
    text: str
    start_ms: float | None
    end_ms: float | None
    confidence: float | None


@dataclass(frozen=True)
class NoSpeech(Event):
    """A silent stretch of at least 1.2 s with nothing buffered."""

    audio_ms: float | None


@dataclass(frozen=True)
class RecordingStarted(Event):
    """A recording began (source mic, file or stream)."""

    source: str | None


@dataclass(frozen=True)
class RecordingStopped(Event):
    """A recording ended; `reason` says why (requested, end_of_file, overflow, ...)."""

    reason: str | None


@dataclass(frozen=True)
class BufferLevel(Event):
    """`buffer_warn` or `buffer_critical`: the 5-second ring's occupancy crossed a level."""

    occupancy: float | None


@dataclass(frozen=True)
class SttError(Event):
    """The worker stalled and the ring overflowed: recording stopped (severity critical)."""

    error: str
    action: str | None
    severity: str | None


@dataclass(frozen=True)
class WorkerError(Event):
    """An `error` line of the worker (`code`, `message`, `recoverable`)."""

    code: str | None
    message: str
    recoverable: bool


def make_event(event_id: int | None, type_: str, data: Mapping[str, Any]) -> Event:
    """The typed event for `type_`, or a plain Event for a type this client does not know."""
    g = data.get
    if type_ == "lagged":
        return Lagged(event_id, type_, data, missed=_int(g("missed")) or 0)
    if type_ == "worker_state":
        return WorkerState(event_id, type_, data, state=_str(g("state")) or "unknown",
                           pid=_int(g("pid")), reason=_str(g("reason")))
    if type_ == "ready":
        return Ready(event_id, type_, data, engine=_str(g("engine")), model=_str(g("model")))
    if type_ in ("speech_start", "speech_end"):
        return SpeechBoundary(event_id, type_, data, utterance=_int(g("utterance")),
                              audio_ms=_float(g("audio_ms")))
    if type_ == "partial_text":
        return PartialText(event_id, type_, data, utterance=_int(g("utterance")),
                           text=_str(g("text")) or "", audio_ms=_float(g("audio_ms")))
    if type_ == "final_text":
        return FinalText(event_id, type_, data, utterance=_int(g("utterance")),
                         text=_str(g("text")) or "", start_ms=_float(g("start_ms")),
                         end_ms=_float(g("end_ms")), confidence=_float(g("confidence")))
    if type_ == "no_speech":
        return NoSpeech(event_id, type_, data, audio_ms=_float(g("audio_ms")))
    if type_ == "recording_started":
        return RecordingStarted(event_id, type_, data, source=_str(g("source")))
    if type_ == "recording_stopped":
        return RecordingStopped(event_id, type_, data, reason=_str(g("reason")))
    if type_ in ("buffer_warn", "buffer_critical"):
        return BufferLevel(event_id, type_, data, occupancy=_float(g("occupancy")))
    if type_ == "stt_error":
        return SttError(event_id, type_, data, error=_str(g("error")) or "",
                        action=_str(g("action")), severity=_str(g("severity")))
    if type_ == "error":
        return WorkerError(event_id, type_, data, code=_str(g("code")),
                           message=_str(g("message")) or "", recoverable=bool(g("recoverable")))
    return Event(event_id, type_, data)


class SseParser:
    """Feeds SSE lines, returns an Event at each blank line that ends a frame.

    Follows the EventSource rules the daemon needs: `id:`, `event:` and `data:` fields (data
    lines joined by newlines), `:` comments (keepalives) ignored, the event name defaulting to
    `message`. A frame whose data is not a JSON object keeps the text under `"text"`.
    """

    def __init__(self) -> None:
        self._id: str | None = None
        self._type = ""
        self._data: list[str] = []

    def feed(self, line: str) -> Event | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "id":
            self._id = value
        elif name == "event":
            self._type = value
        elif name == "data":
            self._data.append(value)
        return None

    def _dispatch(self) -> Event | None:
        event_id, type_, lines = self._id, self._type or "message", self._data
        self._id, self._type, self._data = None, "", []
        if event_id is None and not lines and type_ == "message":
            return None  # a blank line after a comment
        text = "\n".join(lines)
        try:
            decoded: Any = json.loads(text) if text else {}
        except json.JSONDecodeError:
            decoded = {"text": text}
        data: Mapping[str, Any] = decoded if isinstance(decoded, dict) else {"value": decoded}
        return make_event(int(event_id) if event_id and event_id.isdigit() else None, type_, data)
