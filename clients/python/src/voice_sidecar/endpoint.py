"""Where the daemon listens, and the httpx transport that reaches it (TCP or Unix socket)."""
from __future__ import annotations

from dataclasses import dataclass

import httpx

DEFAULT_BASE_URL = "http://127.0.0.1:9860"
#: Through a Unix socket the URL only names the Host header: a loopback name the daemon accepts.
UNIX_BASE_URL = "http://localhost"


@dataclass(frozen=True)
class Endpoint:
    """`base_url` for TCP; `socket_path` set means HTTP over that Unix socket instead."""

    base_url: str = DEFAULT_BASE_URL
    socket_path: str | None = None

    @classmethod
    def tcp(cls, base_url: str = DEFAULT_BASE_URL) -> Endpoint:
        return cls(base_url=base_url.rstrip("/"))

    @classmethod
    def unix(cls, socket_path: str, base_url: str = UNIX_BASE_URL) -> Endpoint:
        return cls(base_url=base_url.rstrip("/"), socket_path=socket_path)

    def sync_transport(self) -> httpx.HTTPTransport:
        return httpx.HTTPTransport(uds=self.socket_path) if self.socket_path else httpx.HTTPTransport()

    def async_transport(self) -> httpx.AsyncHTTPTransport:
        return (httpx.AsyncHTTPTransport(uds=self.socket_path) if self.socket_path
                else httpx.AsyncHTTPTransport())

    def describe(self) -> str:
        return f"unix:{self.socket_path}" if self.socket_path else self.base_url
