"""The asyncio client: the same endpoints, answers and errors as client.SidecarClient."""
from __future__ import annotations

from typing import TypeVar

import httpx

from . import api
from .audio import DEFAULT_CHUNK_BYTES, AsyncAudioSource, apcm_chunks
from .client import DEFAULT_CONTROL_TIMEOUT, DEFAULT_READ_TIMEOUT, auth_headers
from .endpoint import DEFAULT_BASE_URL, Endpoint
from .errors import SidecarTimeout, SidecarUnavailable
from .metrics import Metrics
from .models import Gate, Health, Recording, Status
from .stream import AsyncEventStream

T = TypeVar("T")


class AsyncSidecarClient:
    """Talks to one daemon from asyncio code. Use `async with`, or call aclose()."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL, *, socket_path: str | None = None,
                 token: str | None = None, read_timeout: float = DEFAULT_READ_TIMEOUT,
                 control_timeout: float = DEFAULT_CONTROL_TIMEOUT,
                 endpoint: Endpoint | None = None) -> None:
        self.endpoint = endpoint or (Endpoint.unix(socket_path) if socket_path
                                     else Endpoint.tcp(base_url))
        self.read_timeout = read_timeout
        self.control_timeout = control_timeout
        self._http = httpx.AsyncClient(base_url=self.endpoint.base_url,
                                       transport=self.endpoint.async_transport(),
                                       headers=auth_headers(token), timeout=read_timeout)

    async def __aenter__(self) -> AsyncSidecarClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _timeout(self, call: api.Call[T]) -> float:
        return self.control_timeout if call.timeout == "control" else self.read_timeout

    async def _send(self, call: api.Call[T], request: httpx.Request) -> T:
        try:
            response = await self._http.send(request)
        except httpx.TimeoutException as exc:
            raise SidecarTimeout(f"{call.method} {call.path} via {self.endpoint.describe()}: "
                                 f"no answer within {request.extensions['timeout']['read']} s") from exc
        except httpx.TransportError as exc:
            raise SidecarUnavailable(f"{call.method} {call.path} via {self.endpoint.describe()}: "
                                     f"{exc or type(exc).__name__}") from exc
        return call.result(response)

    async def _run(self, call: api.Call[T]) -> T:
        request = self._http.build_request(call.method, call.path, content=call.content(),
                                           headers=call.headers(), timeout=self._timeout(call))
        return await self._send(call, request)

    async def health(self) -> Health:
        """GET /v1/health."""
        return await self._run(api.health())

    async def gate(self) -> Gate:
        """GET /v1/gates/heavy-load: a closed gate (429) is an answer, not an error."""
        return await self._run(api.gate())

    async def status(self) -> Status:
        """GET /v1/control/status."""
        return await self._run(api.status())

    async def start(self, reason: str | None = None) -> str:
        """POST /v1/control/start."""
        return await self._run(api.control("start", reason))

    async def stop(self, reason: str | None = None) -> str:
        """POST /v1/control/stop."""
        return await self._run(api.control("stop", reason))

    async def restart(self, reason: str | None = None) -> str:
        """POST /v1/control/restart."""
        return await self._run(api.control("restart", reason))

    async def metrics(self) -> Metrics:
        """GET /v1/metrics, parsed by prometheus_client."""
        return await self._run(api.metrics())

    async def start_recording(self, source: api.RecordingSource, *, path: str | None = None,
                              device: str | None = None, realtime: bool | None = None) -> Recording:
        """POST /v1/recordings: the recording with its id."""
        return await self._run(api.recording_create(source, path, device, realtime))

    async def stop_recording(self, recording_id: str | None = None) -> Recording:
        """Stops recording `recording_id` (the most recent one when None)."""
        if recording_id is None:
            return await self._run(api.recording_stop())
        return await self._run(api.recording_stop_id(recording_id))

    async def recordings(self) -> list[Recording]:
        """GET /v1/recordings: the running recording and the recent ones, newest first."""
        return await self._run(api.recording_list())

    async def recording(self, recording_id: str) -> Recording:
        """GET /v1/recordings/{id}."""
        return await self._run(api.recording_get(recording_id))

    async def upload_audio(self, audio: AsyncAudioSource, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                           content_type: str = api.AUDIO_TYPE) -> Recording:
        """POST /v1/audio, streaming a file object, an iterable or an async iterable of PCM."""
        call = api.audio_upload()
        timeout = httpx.Timeout(self.control_timeout, write=None)
        request = self._http.build_request("POST", call.path,
                                           content=apcm_chunks(audio, chunk_bytes),
                                           headers={"Content-Type": content_type}, timeout=timeout)
        return await self._send(call, request)

    def events(self, last_event_id: int | None = None, *, reconnect: bool = True,
               retry_timeout: float = 30.0, idle_timeout: float = 10.0,
               recording: str | None = None) -> AsyncEventStream:
        """GET /v1/events as an async iterator of typed events that reconnects with Last-Event-ID;
        with `recording`, only that recording's events, ending after its recording_stopped."""
        return AsyncEventStream(self._http, last_event_id, reconnect, retry_timeout, idle_timeout, recording)
