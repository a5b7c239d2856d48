"""Worker IPC protocol v1 (DESIGN.md §3): parsing stdin lines and building stdout events.

Everything that knows a field name lives here, so the contract with the daemon is in one file.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

import numpy as np

PROTOCOL_VERSION = 1
SAMPLE_RATE = 16000
CHANNELS = 1
SAMPLES_PER_MS = SAMPLE_RATE // 1000
# Content of one line, without its "\n". DESIGN.md §3 caps a line at 1 MiB.
MAX_LINE_BYTES = 1 << 20


class ExitCode(IntEnum):
    OK = 0
    INTERNAL_ERROR = 1
    USAGE = 2  # argparse's own code for bad flags/env values
    MODEL_LOAD_FAILED = 3
    INGEST_QUEUE_FULL = 4
    STDOUT_CLOSED = 5


class ErrorCode(StrEnum):
    MALFORMED_LINE = "MALFORMED_LINE"
    BAD_MESSAGE = "BAD_MESSAGE"
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    LINE_TOO_LONG = "LINE_TOO_LONG"
    BAD_FRAME = "BAD_FRAME"
    INGEST_QUEUE_FULL = "INGEST_QUEUE_FULL"
    MODEL_LOAD_FAILED = "MODEL_LOAD_FAILED"
    STT_FAILED = "STT_FAILED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class ProtocolError(Exception):
    """A stdin line that cannot be acted on; always answered with a recoverable error."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class AudioFrame:
    seq: int
    samples: np.ndarray  # int16, mono, 16 kHz


@dataclass(frozen=True, slots=True)
class Ping:
    id: Any


@dataclass(frozen=True, slots=True)
class Flush:
    pass


@dataclass(frozen=True, slots=True)
class Shutdown:
    pass


Message = AudioFrame | Ping | Flush | Shutdown


def parse_line(line: bytes) -> Message:
    """Parse one stdin line (without its newline). Raises ProtocolError."""
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError(ErrorCode.MALFORMED_LINE, f"not a JSON line: {exc}") from None
    if not isinstance(obj, dict):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "a line must be a JSON object")
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, 'missing string field "type"')
    if kind == "audio_frame":
        return _parse_audio_frame(obj)
    if kind == "ping":
        return Ping(obj.get("id"))
    if kind == "flush":
        return Flush()
    if kind == "shutdown":
        return Shutdown()
    raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind[:64]!r}")


def _parse_audio_frame(obj: dict[str, Any]) -> AudioFrame:
    seq = obj.get("seq")
    # bool is an int subclass; true/false as a seq is a sender bug, not frame 1/0.
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ProtocolError(ErrorCode.BAD_FRAME, 'audio_frame needs a non-negative integer "seq"')
    rate = obj.get("sample_rate", SAMPLE_RATE)
    channels = obj.get("channels", CHANNELS)
    if rate != SAMPLE_RATE or channels != CHANNELS:
        raise ProtocolError(
            ErrorCode.BAD_FRAME,
            f"seq {seq}: expected {SAMPLE_RATE} Hz mono, got sample_rate={rate!r} channels={channels!r}",
        )
    data = obj.get("data")
    if not isinstance(data, str):
        raise ProtocolError(ErrorCode.BAD_FRAME, f'seq {seq}: "data" must be a base64 string')
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(ErrorCode.BAD_FRAME, f"seq {seq}: data is not valid base64") from None
    if not raw or len(raw) % 2:
        raise ProtocolError(
            ErrorCode.BAD_FRAME, f"seq {seq}: {len(raw)} bytes is not a whole number of s16le samples"
        )
    return AudioFrame(seq, np.frombuffer(raw, dtype="<i2").astype(np.int16, copy=False))


def samples_to_ms(samples: int) -> int:
    return samples // SAMPLES_PER_MS


# --- stdout events -------------------------------------------------------------------------------

Event = dict[str, Any]


def ready(engine: str, model: str) -> Event:
    return {"type": "ready", "protocol": PROTOCOL_VERSION, "engine": engine, "model": model,
            "sample_rate": SAMPLE_RATE}


def pong(ping_id: Any) -> Event:
    return {"type": "pong", "id": ping_id}


def ack(seq: int) -> Event:
    return {"type": "ack", "seq": seq}


def speech_start(utterance: int, audio_ms: int) -> Event:
    return {"type": "speech_start", "utterance": utterance, "audio_ms": audio_ms}


def speech_end(utterance: int, audio_ms: int) -> Event:
    return {"type": "speech_end", "utterance": utterance, "audio_ms": audio_ms}


def partial_text(utterance: int, text: str, audio_ms: int, latency_ms: int) -> Event:
    return {"type": "partial_text", "utterance": utterance, "text": text, "audio_ms": audio_ms,
            "latency_ms": latency_ms}


def final_text(utterance: int, text: str, start_ms: int, end_ms: int, latency_ms: int,
               confidence: float | None) -> Event:
    event: Event = {"type": "final_text", "utterance": utterance, "text": text,
                    "start_ms": start_ms, "end_ms": end_ms, "latency_ms": latency_ms}
    if confidence is not None:
        event["confidence"] = round(confidence, 3)
    return event


def no_speech(audio_ms: int) -> Event:
    return {"type": "no_speech", "audio_ms": audio_ms}


def error(code: ErrorCode, message: str, recoverable: bool) -> Event:
    return {"type": "error", "code": str(code), "message": message, "recoverable": recoverable}
