"""The synchronous client of every /v1 endpoint, over TCP or a Unix socket.

Reads (health, gate, status, metrics) time out after `read_timeout` (the supervisor's
HEALTH_TIMEOUT), control calls after `control_timeout` (CONTROL_TIMEOUT), which must cover the
daemon's own worker start wait. Failures raise the typed errors of errors.py; a closed gate is
an answer (`Gate.allowed` False), not an error.
"""
from __future__ import annotations

from typing import TypeVar

import httpx

from . import api
from .audio import DEFAULT_CHUNK_BYTES, AudioSource, pcm_chunks
from .endpoint import DEFAULT_BASE_URL, Endpoint
from .errors import SidecarTimeout, SidecarUnavailable
from .metrics import Metrics
from .models import Gate, Health, Recording, Status
from .stream import EventStream

T = TypeVar("T")
DEFAULT_READ_TIMEOUT = 2.5
DEFAULT_CONTROL_TIMEOUT = 20.0


def auth_headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


class SidecarClient:
    """Talks to one daemon. Use as a context manager, or call close()."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL, *, socket_path: str | None = None,
                 token: str | None = None, read_timeout: float = DEFAULT_READ_TIMEOUT,
                 control_timeout: float = DEFAULT_CONTROL_TIMEOUT,
                 endpoint: Endpoint | None = None) -> None:
        self.endpoint = endpoint or (Endpoint.unix(socket_path) if socket_path
                                     else Endpoint.tcp(base_url))
        self.read_timeout = read_timeout
        self.control_timeout = control_timeout
        self._http = httpx.Client(base_url=self.endpoint.base_url,
                                  transport=self.endpoint.sync_transport(),
                                  headers=auth_headers(token), timeout=read_timeout)

    def __enter__(self) -> SidecarClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _timeout(self, call: api.Call[T]) -> float:
        return self.control_timeout if call.timeout == "control" else self.read_timeout

    def _send(self, call: api.Call[T], request: httpx.Request) -> T:
        try:
            response = self._http.send(request)
        except httpx.TimeoutException as exc:
            raise SidecarTimeout(f"{call.method} {call.path} via {self.endpoint.describe()}: "
                                 f"no answer within {request.extensions['timeout']['read']} s") from exc
        except httpx.TransportError as exc:
            raise SidecarUnavailable(f"{call.method} {call.path} via {self.endpoint.describe()}: "
                                     f"{exc or type(exc).__name__}") from exc
        return call.result(response)

    def _run(self, call: api.Call[T]) -> T:
        request = self._http.build_request(call.method, call.path, content=call.content(),
                                           headers=call.headers(), timeout=self._timeout(call))
        return self._send(call, request)

    def health(self) -> Health:
        """GET /v1/health (200 while the daemon runs; `status` says ok or degraded)."""
        return self._run(api.health())

    def gate(self) -> Gate:
        """GET /v1/gates/heavy-load: `allowed` True (200) or False (429, with the reason)."""
        return self._run(api.gate())

    def status(self) -> Status:
        """GET /v1/control/status."""
        return self._run(api.status())

    def start(self, reason: str | None = None) -> str:
        """POST /v1/control/start: "started" once the worker is ready; ServiceUnavailable (503)
        when the gate is closed, the worker is in backoff or never became ready."""
        return self._run(api.control("start", reason))

    def stop(self, reason: str | None = None) -> str:
        """POST /v1/control/stop: "stopped" (also when nothing ran); GatewayTimeout (504)."""
        return self._run(api.control("stop", reason))

    def restart(self, reason: str | None = None) -> str:
        """POST /v1/control/restart: "restarted"; ServiceUnavailable (503) on failure."""
        return self._run(api.control("restart", reason))

    def metrics(self) -> Metrics:
        """GET /v1/metrics, parsed by prometheus_client."""
        return self._run(api.metrics())

    def start_recording(self, source: api.RecordingSource, *, path: str | None = None,
                        device: str | None = None, realtime: bool | None = None) -> Recording:
        """POST /v1/recordings: the recording with its id; ServiceUnavailable (503, with
        retry_after) when every slot is in use, BadRequest/NotFound for a bad source or path."""
        return self._run(api.recording_create(source, path, device, realtime))

    def stop_recording(self, recording_id: str | None = None) -> Recording:
        """Stops recording `recording_id` (the most recent one when None) and answers after the
        worker flushed its last utterance; NotFound for an unknown id."""
        if recording_id is None:
            return self._run(api.recording_stop())
        return self._run(api.recording_stop_id(recording_id))

    def recordings(self) -> list[Recording]:
        """GET /v1/recordings: the running recording and the recent ones, newest first."""
        return self._run(api.recording_list())

    def recording(self, recording_id: str) -> Recording:
        """GET /v1/recordings/{id}; NotFound for an unknown id."""
        return self._run(api.recording_get(recording_id))

    def upload_audio(self, audio: AudioSource, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                     content_type: str = api.AUDIO_TYPE) -> Recording:
        """POST /v1/audio: streams `audio` (a binary file object or an iterable of byte chunks of
        16 kHz mono s16le PCM) as a chunked body; returns the recording once the body ended."""
        call = api.audio_upload()
        # Writes may wait while the daemon's ring is full: only the answer is bounded.
        timeout = httpx.Timeout(self.control_timeout, write=None)
        request = self._http.build_request("POST", call.path, content=pcm_chunks(audio, chunk_bytes),
                                           headers={"Content-Type": content_type}, timeout=timeout)
        return self._send(call, request)

    def events(self, last_event_id: int | None = None, *, reconnect: bool = True,
               retry_timeout: float = 30.0, idle_timeout: float = 10.0,
               recording: str | None = None) -> EventStream:
        """GET /v1/events as an iterator of typed events that reconnects with Last-Event-ID; with
        `recording`, only that recording's events, ending after its recording_stopped."""
        return EventStream(self._http, last_event_id, reconnect, retry_timeout, idle_timeout, recording)
