"""The supervisor's configuration: exactly the seed's ten JARVIS_VOICE_SIDECAR_* variables.

| variable | meaning | default |
|---|---|---|
| ENABLED | use the sidecar at all; false = the legacy path, nothing is touched | false |
| REQUIRED | a sidecar whose worker cannot start fails startup (exit 3) | false |
| MANAGE_WORKER | phase 3 starts the worker, shutdown stops it | true |
| COMMAND | the sidecar's command line (shell quoting rules); empty = do not spawn | "" |
| TRANSPORT | http or unix | http |
| BASE_URL | http://host:port of the daemon (TCP) | http://127.0.0.1:9860 |
| SOCKET | absolute path of the daemon's Unix socket (needed for unix) | — |
| START_TIMEOUT | seconds to wait for /v1/health in phase 2 | 15 |
| HEALTH_TIMEOUT | seconds for each read (health, gate, status) | 2.5 |
| CONTROL_TIMEOUT | seconds for each control call (start, stop); must cover the worker start | 20 |

Bools accept 1/true/yes/on and 0/false/no/off; an empty variable counts as unset (as in the
daemon). A bad value raises ConfigError naming the variable and what is accepted. The daemon
reads TRANSPORT, BASE_URL and SOCKET too, so one environment configures both sides.
CONTROL_TIMEOUT defaults to 20 s, not the reference's 5 s: the daemon waits up to 15 s for a
worker to become ready, and a shorter client timeout would cut that wait short (the reference's
defect 2, moved to the client).
"""
from __future__ import annotations

import math
import os
import shlex
from dataclasses import dataclass
from typing import Literal, Mapping
from urllib.parse import urlsplit

from .endpoint import DEFAULT_BASE_URL, UNIX_BASE_URL, Endpoint
from .errors import SidecarError

PREFIX = "JARVIS_VOICE_SIDECAR_"
Transport = Literal["http", "unix"]
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class ConfigError(SidecarError, ValueError):
    """A JARVIS_VOICE_SIDECAR_* variable has a value the contract does not accept."""

    def __init__(self, variable: str, value: str, accepted: str) -> None:
        super().__init__(f"{variable}={value!r}: expected {accepted}")
        self.variable = variable
        self.value = value
        self.accepted = accepted


@dataclass(frozen=True)
class ContractConfig:
    """The supervisor side of the contract; build it with from_env() or directly."""

    enabled: bool = False
    required: bool = False
    manage_worker: bool = True
    command: tuple[str, ...] = ()
    transport: Transport = "http"
    base_url: str = DEFAULT_BASE_URL
    socket: str | None = None
    start_timeout: float = 15.0
    health_timeout: float = 2.5
    control_timeout: float = 20.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ContractConfig:
        """Reads the ten variables from `env` (default os.environ); raises ConfigError."""
        e = _Env(os.environ if env is None else env)
        transport = e.choice("TRANSPORT", ("http", "unix"), "http")
        socket = e.text("SOCKET")
        if socket is not None and not socket.startswith("/"):
            raise ConfigError(PREFIX + "SOCKET", socket, "an absolute path")
        if transport == "unix" and socket is None:
            raise ConfigError(PREFIX + "SOCKET", "",
                              "the path of the daemon's socket when TRANSPORT=unix")
        default_url = UNIX_BASE_URL if transport == "unix" else DEFAULT_BASE_URL
        return cls(
            enabled=e.flag("ENABLED", False),
            required=e.flag("REQUIRED", False),
            manage_worker=e.flag("MANAGE_WORKER", True),
            command=e.command("COMMAND"),
            transport="unix" if transport == "unix" else "http",
            base_url=e.url("BASE_URL", default_url),
            socket=socket,
            start_timeout=e.seconds("START_TIMEOUT", 15.0),
            health_timeout=e.seconds("HEALTH_TIMEOUT", 2.5),
            control_timeout=e.seconds("CONTROL_TIMEOUT", 20.0),
        )

    def endpoint(self) -> Endpoint:
        """Where the client connects: the socket for unix, BASE_URL for http."""
        if self.transport == "unix":
            assert self.socket is not None
            return Endpoint.unix(self.socket, self.base_url)
        return Endpoint.tcp(self.base_url)

    def sidecar_env(self) -> dict[str, str]:
        """The transport settings a spawned sidecar gets, so it listens where we connect."""
        env: dict[str, str] = {PREFIX + "TRANSPORT": self.transport}
        if self.transport == "unix" and self.socket:
            env[PREFIX + "SOCKET"] = self.socket
        else:
            env[PREFIX + "BASE_URL"] = self.base_url
        return env


class _Env:
    """Reads and validates one variable at a time, naming it in every error."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def text(self, name: str) -> str | None:
        value = self.env.get(PREFIX + name, "").strip()
        return value or None

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise ConfigError(PREFIX + name, raw, "one of 1/true/yes/on or 0/false/no/off")

    def choice(self, name: str, options: tuple[str, ...], default: str) -> str:
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() not in options:
            raise ConfigError(PREFIX + name, raw, " or ".join(options))
        return raw.lower()

    def seconds(self, name: str, default: float) -> float:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw.removesuffix("s"))
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            raise ConfigError(PREFIX + name, raw, "a positive number of seconds, like 2.5")
        return value

    def url(self, name: str, default: str) -> str:
        raw = self.text(name)
        if raw is None:
            return default
        parts = urlsplit(raw)
        try:
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            port_ok = False
        if (parts.scheme != "http" or not parts.hostname or not port_ok
                or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username):
            raise ConfigError(PREFIX + name, raw, "http://host:port (no path, no TLS)")
        return raw.rstrip("/")

    def command(self, name: str) -> tuple[str, ...]:
        raw = self.text(name)
        if raw is None:
            return ()
        try:
            return tuple(shlex.split(raw))
        except ValueError as exc:
            raise ConfigError(PREFIX + name, raw,
                              f"a command line with shell quoting ({exc})") from exc
