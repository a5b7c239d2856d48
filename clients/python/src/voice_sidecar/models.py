"""Typed views of the daemon's JSON answers (DESIGN.md §2).

Each dataclass names the fields a caller relies on and keeps the whole object in `raw`, so a
newer daemon's extra fields are never lost and an older one's missing fields read as None
instead of raising. Numbers are read leniently (int or float) because the reference control
plane sent integers where this daemon may send floats.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

JSON = Mapping[str, Any]


def _obj(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Pressure:
    """One sample of the heavy-load gate: what it saw and whether the sample could be read."""

    valid: bool
    reason: str
    timestamp: str | None
    cpu_percent: float | None
    memory_percent: float | None
    memory_available_mb: float | None
    memory_total_mb: float | None
    raw: JSON = field(repr=False)

    @classmethod
    def from_json(cls, data: Any) -> Pressure:
        d = _obj(data)
        return cls(valid=bool(d.get("valid", False)), reason=_str(d.get("reason")) or "",
                   timestamp=_str(d.get("timestamp")), cpu_percent=_float(d.get("cpu_percent")),
                   memory_percent=_float(d.get("memory_percent")),
                   memory_available_mb=_float(d.get("memory_available_mb")),
                   memory_total_mb=_float(d.get("memory_total_mb")), raw=d)


@dataclass(frozen=True)
class Gate:
    """The heavy-load gate. A closed gate (HTTP 429) is an answer, not an error."""

    allowed: bool
    reason: str
    pressure: Pressure
    raw: JSON = field(repr=False)

    @classmethod
    def from_json(cls, data: Any) -> Gate:
        d = _obj(data)
        # /v1/gates/heavy-load says "allowed"; health and status say "heavy_load_allowed".
        allowed = d.get("allowed", d.get("heavy_load_allowed", False))
        return cls(allowed=bool(allowed), reason=_str(d.get("reason")) or "",
                   pressure=Pressure.from_json(d.get("pressure")), raw=d)


@dataclass(frozen=True)
class WorkerInfo:
    """The supervised worker: state (stopped, starting, running, stopping, backoff, failed)."""

    state: str
    pid: int | None
    started_at: str | None
    ready_at: str | None
    restart_count: int
    crash_count: int
    last_error: str
    backoff_until: str | None
    engine: str | None
    model: str | None
    raw: JSON = field(repr=False)

    @classmethod
    def from_json(cls, data: Any) -> WorkerInfo:
        d = _obj(data)
        return cls(state=_str(d.get("state")) or "unknown", pid=_int(d.get("pid")),
                   started_at=_str(d.get("started_at")), ready_at=_str(d.get("ready_at")),
                   restart_count=_int(d.get("restart_count")) or 0,
                   crash_count=_int(d.get("crash_count")) or 0,
                   last_error=_str(d.get("last_error")) or "",
                   backoff_until=_str(d.get("backoff_until")), engine=_str(d.get("engine")),
                   model=_str(d.get("model")), raw=d)


@dataclass(frozen=True)
class Recording:
    """A recording (state idle, recording or stopped), its id and its frame counts."""

    id: str | None
    state: str
    source: str | None
    reason: str | None
    started_at: str | None
    stopped_at: str | None
    frames_captured: int
    frames_sent: int
    frames_acked: int
    frames_rejected: int
    frames_lost: int
    occupancy: float
    level: str | None
    raw: JSON = field(repr=False)

    @classmethod
    def from_json(cls, data: Any) -> Recording:
        d = _obj(data)

        def count(key: str) -> int:
            return _int(d.get(key)) or 0

        return cls(id=_str(d.get("id")), state=_str(d.get("state")) or "unknown",
                   source=_str(d.get("source")), reason=_str(d.get("reason")), started_at=_str(d.get("started_at")),
                   stopped_at=_str(d.get("stopped_at")), frames_captured=count("frames_captured"),
                   frames_sent=count("frames_sent"), frames_acked=count("frames_acked"),
                   frames_rejected=count("frames_rejected"), frames_lost=count("frames_lost"),
                   occupancy=_float(d.get("occupancy")) or 0.0, level=_str(d.get("level")), raw=d)


@dataclass(frozen=True)
class Health:
    """GET /v1/health: `status` is "ok" or "degraded" (gate closed, worker in backoff/failed)."""

    status: str
    version: str | None
    gate: Gate
    worker: WorkerInfo
    listen_network: str | None
    listen_address: str | None
    raw: JSON = field(repr=False)

    @classmethod
    def from_json(cls, data: Any) -> Health:
        d = _obj(data)
        gate = dict(_obj(d.get("gate")))
        gate.setdefault("pressure", d.get("pressure"))
        listen = _obj(d.get("listen"))
        return cls(status=_str(d.get("status")) or "unknown", version=_str(d.get("version")),
                   gate=Gate.from_json(gate), worker=WorkerInfo.from_json(d.get("worker")),
                   listen_network=_str(listen.get("network")),
                   listen_address=_str(listen.get("address")), raw=d)


@dataclass(frozen=True)
class Status:
    """GET /v1/control/status: gate, worker and recording in one snapshot."""

    gate: Gate
    worker: WorkerInfo
    recording: Recording | None
    raw: JSON = field(repr=False)

    @classmethod
    def from_json(cls, data: Any) -> Status:
        d = _obj(data)
        gate = dict(_obj(d.get("gate")))
        gate.setdefault("pressure", d.get("pressure"))
        rec = d.get("recording")
        return cls(gate=Gate.from_json(gate), worker=WorkerInfo.from_json(d.get("worker")),
                   recording=Recording.from_json(rec) if isinstance(rec, Mapping) else None, raw=d)
