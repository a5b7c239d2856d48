"""The /v1 endpoints as data: what to send and how to read the answer, with no I/O.

The sync and the async client both execute these `Call`s, so the contract (paths, bodies,
which statuses are answers and which are errors) is written once. POSTs with a JSON body always
carry `Content-Type: application/json`, even for `{}`: the daemon refuses state-changing
requests without it (a browser page cannot send it cross-origin without a preflight).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Literal, Mapping, TypeVar
from urllib.parse import quote

import httpx

from .errors import SidecarHTTPError, http_error
from .metrics import Metrics
from .models import Gate, Health, Recording, Status

T = TypeVar("T")
TimeoutKind = Literal["read", "control"]

JSON_TYPE = "application/json"
#: The only PCM format POST /v1/audio takes: 16 kHz mono signed 16-bit little-endian.
AUDIO_TYPE = "audio/L16;rate=16000;channels=1"
RecordingSource = Literal["file", "mic", "stream"]


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and the decoder of its answer. `answers` lists the failure statuses that are
    answers rather than errors (429 on the gate)."""

    method: str
    path: str
    decode: Callable[[httpx.Response], T]
    body: Mapping[str, Any] | None = None
    timeout: TimeoutKind = "read"
    answers: frozenset[int] = field(default_factory=frozenset)

    def headers(self) -> dict[str, str]:
        return {"Content-Type": JSON_TYPE} if self.body is not None else {}

    def content(self) -> bytes | None:
        return json.dumps(self.body).encode() if self.body is not None else None

    def result(self, response: httpx.Response) -> T:
        """Decodes `response`, or raises the typed error for a failure status."""
        check(response, self.method, self.path, self.answers)
        return self.decode(response)


def error_sentence(response: httpx.Response) -> str:
    """The daemon's sentence: `error` of its JSON body (or OpenAI's error.message), else text."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return response.text.strip() or response.reason_phrase
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, str):
            return err
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])
    return response.text.strip()


def check(response: httpx.Response, method: str, path: str,
          answers: frozenset[int] = frozenset()) -> None:
    """Raises the typed SidecarHTTPError for a status >= 400 that is not in `answers`."""
    if response.status_code < 400 or response.status_code in answers:
        return
    retry: float | None = None
    if (value := response.headers.get("Retry-After")) is not None:
        try:
            retry = float(value)
        except ValueError:
            retry = None
    raise http_error(response.status_code, error_sentence(response), method, path, retry)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise SidecarHTTPError(response.status_code, f"answer is not JSON: {exc}",
                               response.request.method, response.request.url.path) from exc


def _status_field(response: httpx.Response) -> str:
    body = _json(response)
    return str(body.get("status", "")) if isinstance(body, dict) else ""


def health() -> Call[Health]:
    return Call("GET", "/v1/health", lambda r: Health.from_json(_json(r)))


def gate() -> Call[Gate]:
    return Call("GET", "/v1/gates/heavy-load", lambda r: Gate.from_json(_json(r)),
                answers=frozenset({429}))


def status() -> Call[Status]:
    return Call("GET", "/v1/control/status", lambda r: Status.from_json(_json(r)))


def control(action: Literal["start", "stop", "restart"], reason: str | None) -> Call[str]:
    """POST /v1/control/<action>; the answer is its `status` ("started", "stopped", ...)."""
    body = {"reason": reason} if reason else {}
    return Call("POST", f"/v1/control/{action}", _status_field, body=body, timeout="control")


def metrics() -> Call[Metrics]:
    return Call("GET", "/v1/metrics", lambda r: Metrics.parse(r.text))


def _recording_body(source: RecordingSource, path: str | None, device: str | None,
                    realtime: bool | None) -> dict[str, Any]:
    body: dict[str, Any] = {"source": source}
    if path is not None:
        body["path"] = path
    if device is not None:
        body["device"] = device
    if realtime is not None:
        body["realtime"] = realtime
    return body


def _recording(r: httpx.Response) -> Recording:
    return Recording.from_json(_json(r))


def _recordings(r: httpx.Response) -> list[Recording]:
    body = _json(r)
    listed = body.get("recordings") if isinstance(body, dict) else None
    return [Recording.from_json(x) for x in listed] if isinstance(listed, list) else []


def recording_create(source: RecordingSource, path: str | None, device: str | None,
                     realtime: bool | None) -> Call[Recording]:
    """POST /v1/recordings: 201 with the recording and its id."""
    return Call("POST", "/v1/recordings", _recording, body=_recording_body(source, path, device, realtime),
                timeout="control")


def recording_list() -> Call[list[Recording]]:
    return Call("GET", "/v1/recordings", _recordings)


def recording_get(recording_id: str) -> Call[Recording]:
    return Call("GET", f"/v1/recordings/{quote(recording_id, safe='')}", _recording)


def recording_stop_id(recording_id: str) -> Call[Recording]:
    return Call("POST", f"/v1/recordings/{quote(recording_id, safe='')}/stop", _recording, body={},
                timeout="control")


def recording_start(source: RecordingSource, path: str | None, device: str | None,
                    realtime: bool | None) -> Call[Recording]:
    """The earlier single-recording route (POST /v1/recording/start)."""
    return Call("POST", "/v1/recording/start", _recording, body=_recording_body(source, path, device, realtime),
                timeout="control")


def recording_stop() -> Call[Recording]:
    """Stops the most recent recording (POST /v1/recording/stop)."""
    return Call("POST", "/v1/recording/stop", _recording, body={}, timeout="control")


def audio_upload() -> Call[Recording]:
    """POST /v1/audio; the body (chunked PCM) is supplied by the client that executes it."""
    return Call("POST", "/v1/audio", lambda r: Recording.from_json(_json(r)), timeout="control")
