"""Typed exceptions of the client.

Every failure a caller may want to tell apart has its own class, and every HTTP failure carries
the status and the daemon's own sentence (the `error` field of its `{"error": ...}` body), so a
supervisor can log one clear reason without parsing text.
"""
from __future__ import annotations


class SidecarError(Exception):
    """Base of every error this package raises."""


class SidecarUnavailable(SidecarError):
    """The daemon could not be reached (refused, reset, no socket) or did not answer in time."""


class SidecarTimeout(SidecarUnavailable):
    """The daemon was reached but did not answer within the client's timeout."""


class SidecarHTTPError(SidecarError):
    """The daemon answered with a failure status (>= 400, except 429 on the gate).

    `status` is the HTTP status, `message` the daemon's sentence, `retry_after` the value of a
    `Retry-After` header in seconds when the daemon sent one.
    """

    def __init__(self, status: int, message: str, method: str, path: str,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{method} {path}: {status} {message}")
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        self.retry_after = retry_after


class BadRequest(SidecarHTTPError):
    """400: the request was not what the endpoint accepts (bad source, bad JSON, ...)."""


class Unauthorized(SidecarHTTPError):
    """401: a token is configured on the daemon and this client did not send the right one."""


class Forbidden(SidecarHTTPError):
    """403: the daemon refused the Host or Origin of the request."""


class NotFound(SidecarHTTPError):
    """404: no such endpoint (an older daemon) or no such file for a file recording."""


class Conflict(SidecarHTTPError):
    """409: the state does not allow it (another upload feeds that stream recording)."""


class UnsupportedMediaType(SidecarHTTPError):
    """415: the audio's Content-Type is not one the daemon accepts; the message names those."""


class ServiceUnavailable(SidecarHTTPError):
    """503: every recording slot is in use, or the worker could not start or restart (gate
    closed, backoff, not ready, ...), or the daemon is shutting down; `retry_after` says when."""


class GatewayTimeout(SidecarHTTPError):
    """504: the worker could not be stopped in time."""


_BY_STATUS: dict[int, type[SidecarHTTPError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    415: UnsupportedMediaType,
    503: ServiceUnavailable,
    504: GatewayTimeout,
}


def http_error(status: int, message: str, method: str, path: str,
               retry_after: float | None = None) -> SidecarHTTPError:
    """The most specific exception for `status` (SidecarHTTPError itself for the others)."""
    cls = _BY_STATUS.get(status, SidecarHTTPError)
    return cls(status, message, method, path, retry_after)
