"""GET /v1/events as an iterator that survives a dropped connection.

When the connection ends for any reason but `close()`, the iterator reconnects with
`Last-Event-ID: <last id seen>`; the daemon replays what its event ring still holds after that id,
or first sends `lagged {"missed": n}` for what it no longer holds. So a reader sees every event
once, in order, or is told exactly how many it missed. Reconnect attempts back off from 50 ms to
1 s and give up (SidecarUnavailable) after `retry_timeout` seconds without a connection.
The daemon writes a keepalive comment every second while idle, so a connection silent for
`idle_timeout` seconds is taken as dead and replaced.

Given a recording's id, the stream carries only that recording's events, from its
`recording_started` on, and the iterator ends after its `recording_stopped`.
"""
from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator, Iterator

import httpx

from .api import check
from .errors import SidecarError, SidecarHTTPError, SidecarUnavailable
from .events import Event, SseParser

PATH = "/v1/events"
_FIRST_DELAY, _MAX_DELAY = 0.05, 1.0


def _headers(last_id: int | None) -> dict[str, str]:
    h = {"Accept": "text/event-stream"}
    if last_id is not None:
        h["Last-Event-ID"] = str(last_id)
    return h


def _params(recording: str | None) -> dict[str, str]:
    return {"recording": recording} if recording is not None else {}


def _ends(event: Event, recording: str | None) -> bool:
    """True for the last event of a one-recording stream."""
    return recording is not None and event.type == "recording_stopped" and event.recording == recording


def _retryable(exc: BaseException) -> bool:
    """Transport failures and 5xx answers (e.g. every handler slot busy) are worth a retry."""
    if isinstance(exc, (httpx.TransportError, httpx.StreamError)):
        return True
    return isinstance(exc, SidecarHTTPError) and exc.status >= 500


class _Reconnect:
    """The reconnect policy shared by both streams: delays and the give-up deadline."""

    def __init__(self, retry_timeout: float) -> None:
        self.retry_timeout = retry_timeout
        self.delay = _FIRST_DELAY
        self.since: float | None = None
        self.connections = 0

    @property
    def reconnects(self) -> int:
        return max(0, self.connections - 1)

    def connected(self) -> None:
        self.delay, self.since = _FIRST_DELAY, None
        self.connections += 1

    def next_delay(self, exc: BaseException) -> float:
        """Seconds to wait before the next attempt; raises when it is time to give up."""
        now = time.monotonic()
        if self.since is None:
            self.since = now
        if not _retryable(exc) or now - self.since > self.retry_timeout:
            if isinstance(exc, SidecarError):
                raise exc
            raise SidecarUnavailable(f"event stream lost and not re-established within "
                                     f"{self.retry_timeout} s: {exc!r}") from exc
        delay, self.delay = self.delay, min(self.delay * 2, _MAX_DELAY)
        return delay


class EventStream(Iterator[Event]):
    """Sync iterator of typed events; use as a context manager or call close()."""

    def __init__(self, client: httpx.Client, last_event_id: int | None = None,
                 reconnect: bool = True, retry_timeout: float = 30.0,
                 idle_timeout: float = 10.0, recording: str | None = None) -> None:
        self._client = client
        self.last_event_id = last_event_id
        self.recording = recording
        self._finished = False
        self._reconnect = reconnect
        self._policy = _Reconnect(retry_timeout)
        self._timeout = httpx.Timeout(idle_timeout)
        self._response: httpx.Response | None = None
        self._lines: Iterator[str] | None = None
        self._parser = SseParser()
        self._closed = False

    @property
    def reconnects(self) -> int:
        """How many times the stream was re-established after a drop."""
        return self._policy.reconnects

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        self._drop()

    def _drop(self) -> None:
        if self._response is not None:
            self._response.close()
        self._response, self._lines = None, None

    def _open(self) -> Iterator[str]:
        request = self._client.build_request("GET", PATH, headers=_headers(self.last_event_id),
                                             params=_params(self.recording), timeout=self._timeout)
        response = self._client.send(request, stream=True)
        try:
            check(response, "GET", PATH)
        except SidecarError:
            response.read()
            response.close()
            raise
        self._response = response
        return response.iter_lines()

    def __next__(self) -> Event:
        if self._finished:
            self._drop()
            raise StopIteration
        while not self._closed:
            try:
                if self._lines is None:
                    self._lines = self._open()
                    self._policy.connected()
                    self._parser = SseParser()
                for line in self._lines:
                    event = self._parser.feed(line)
                    if event is not None:
                        if event.id is not None:
                            self.last_event_id = event.id
                        self._finished = _ends(event, self.recording)
                        return event
                if not self._reconnect:
                    self._drop()
                    break
                raise httpx.RemoteProtocolError("the daemon ended the event stream")
            except (httpx.TransportError, httpx.StreamError, SidecarError) as exc:
                self._drop()
                if self._closed:
                    raise StopIteration from exc
                if not self._reconnect:
                    raise
                time.sleep(self._policy.next_delay(exc))
        raise StopIteration


class AsyncEventStream(AsyncIterator[Event]):
    """Async iterator of typed events; use `async with` or call aclose()."""

    def __init__(self, client: httpx.AsyncClient, last_event_id: int | None = None,
                 reconnect: bool = True, retry_timeout: float = 30.0,
                 idle_timeout: float = 10.0, recording: str | None = None) -> None:
        self._client = client
        self.last_event_id = last_event_id
        self.recording = recording
        self._finished = False
        self._reconnect = reconnect
        self._policy = _Reconnect(retry_timeout)
        self._timeout = httpx.Timeout(idle_timeout)
        self._response: httpx.Response | None = None
        self._lines: AsyncIterator[str] | None = None
        self._parser = SseParser()
        self._closed = False

    @property
    def reconnects(self) -> int:
        return self._policy.reconnects

    async def __aenter__(self) -> AsyncEventStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        await self._drop()

    async def _drop(self) -> None:
        if self._response is not None:
            await self._response.aclose()
        self._response, self._lines = None, None

    async def _open(self) -> AsyncIterator[str]:
        request = self._client.build_request("GET", PATH, headers=_headers(self.last_event_id),
                                             params=_params(self.recording), timeout=self._timeout)
        response = await self._client.send(request, stream=True)
        try:
            check(response, "GET", PATH)
        except SidecarError:
            await response.aread()
            await response.aclose()
            raise
        self._response = response
        return response.aiter_lines()

    async def __anext__(self) -> Event:
        if self._finished:
            await self._drop()
            raise StopAsyncIteration
        while not self._closed:
            try:
                if self._lines is None:
                    self._lines = await self._open()
                    self._policy.connected()
                    self._parser = SseParser()
                async for line in self._lines:
                    event = self._parser.feed(line)
                    if event is not None:
                        if event.id is not None:
                            self.last_event_id = event.id
                        self._finished = _ends(event, self.recording)
                        return event
                if not self._reconnect:
                    await self._drop()
                    break
                raise httpx.RemoteProtocolError("the daemon ended the event stream")
            except (httpx.TransportError, httpx.StreamError, SidecarError) as exc:
                await self._drop()
                if self._closed:
                    raise StopAsyncIteration from exc
                if not self._reconnect:
                    raise
                await asyncio.sleep(self._policy.next_delay(exc))
        raise StopAsyncIteration
