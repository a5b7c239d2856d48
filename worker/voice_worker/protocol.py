"""Worker IPC protocol v2 (DESIGN.md §3): parsing stdin lines and building stdout events.

Everything that knows a field name lives here, so the contract with the daemon is in one file.
Version 2 adds an optional "stream" to audio_frame and flush, and to every event about a
stream's audio. A line without it belongs to the default stream "", whose events carry no
"stream" field: a v1 sidecar sees v1 lines, byte for byte (only ready says protocol 2).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, Protocol, Sequence

import numpy as np

PROTOCOL_VERSION = 2
# The default stream: what a v1 line (no "stream" field) belongs to.
DEFAULT_STREAM = ""
MAX_STREAM_ID_CHARS = 64
_STREAM_ID = re.compile(r"[A-Za-z0-9_-]{1,%d}" % MAX_STREAM_ID_CHARS)
SAMPLE_RATE = 16000
CHANNELS = 1
SAMPLES_PER_MS = SAMPLE_RATE // 1000
# Content of one line, without its "\n". DESIGN.md §3 caps a line at 1 MiB.
MAX_LINE_BYTES = 1 << 20
# The daemon counts frames in a uint64_t; a larger seq cannot come from it, and accepting one
# would make the worker ack a frame that was never sent.
MAX_SEQ = (1 << 64) - 1


class ExitCode(IntEnum):
    OK = 0
    INTERNAL_ERROR = 1
    USAGE = 2  # argparse's own code for bad flags/env values
    MODEL_LOAD_FAILED = 3
    INGEST_QUEUE_FULL = 4
    STDOUT_CLOSED = 5
    # One transcribe call ran past its time limit (stt_watchdog.py): the model hung. Distinct
    # from INGEST_QUEUE_FULL because it is also how a hang during silence, or during
    # shutdown, ends -- when no audio backs up into the ingest queue.
    STT_STALLED = 6


class ErrorCode(StrEnum):
    MALFORMED_LINE = "MALFORMED_LINE"
    BAD_MESSAGE = "BAD_MESSAGE"
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    LINE_TOO_LONG = "LINE_TOO_LONG"
    BAD_FRAME = "BAD_FRAME"
    INGEST_QUEUE_FULL = "INGEST_QUEUE_FULL"
    MODEL_LOAD_FAILED = "MODEL_LOAD_FAILED"
    STT_FAILED = "STT_FAILED"
    STT_STALLED = "STT_STALLED"
    # A stream asked for a model or language this worker cannot serve: it is not transcribed.
    UNSERVABLE_REQUEST = "UNSERVABLE_REQUEST"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class ProtocolError(Exception):
    """A stdin line that cannot be acted on; always answered with a recoverable error."""

    def __init__(self, code: ErrorCode, message: str, seq: int | None = None,
                 stream: str = DEFAULT_STREAM) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # The (valid) stream the bad line named: its error is about that stream.
        self.stream = stream
        # A bad audio_frame whose seq itself is valid: the frame is lost, but it still takes its
        # place in the sequence, so the next frame is not reported as a second problem (a gap).
        self.seq = seq


@dataclass(frozen=True, slots=True)
class AudioFrame:
    seq: int
    samples: np.ndarray  # int16, mono, 16 kHz
    stream: str = DEFAULT_STREAM


@dataclass(frozen=True, slots=True)
class Ping:
    id: Any


@dataclass(frozen=True, slots=True)
class Flush:
    stream: str = DEFAULT_STREAM


@dataclass(frozen=True, slots=True)
class Shutdown:
    pass


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """How one stream is decoded, sent before its first frame; a field left out keeps the
    worker's own setting (its stt.* keys)."""

    stream: str = DEFAULT_STREAM
    model: str | None = None
    language: str | None = None
    prompt: str | None = None
    temperature: float | None = None
    word_timestamps: bool | None = None


Message = AudioFrame | Ping | Flush | Shutdown | StreamOptions

MAX_PROMPT_CHARS = 4096
_MODEL_NAME = re.compile(r"[A-Za-z0-9._/-]{1,255}")
_LANGUAGE = re.compile(r"auto|[a-z]{2,3}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: Python would read it as inf and echo "Infinity"
        raise ValueError(f"number {text[:32]} is out of range")
    return value


def parse_line(line: bytes) -> Message:
    """Parse one stdin line (without its newline). Raises ProtocolError, and nothing else."""
    try:
        # NaN/Infinity are Python extensions, not JSON: accepting them would echo them back in a
        # pong that the daemon's parser rejects.
        obj = json.loads(line, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        # ValueError covers JSONDecodeError and ints beyond Python's 4300-digit limit;
        # RecursionError comes from a 2 KB line of "[[[[...": both are just malformed lines.
        raise ProtocolError(ErrorCode.MALFORMED_LINE, f"not a JSON line: {type(exc).__name__}: "
                            f"{str(exc)[:200]}") from None
    if not isinstance(obj, dict):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "a line must be a JSON object")
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, 'missing string field "type"')
    if kind == "audio_frame":
        return _parse_audio_frame(obj)
    if kind == "ping":
        return Ping(_echoable(obj.get("id")))
    if kind == "flush":
        return Flush(stream_of(obj, ErrorCode.BAD_MESSAGE, "flush"))
    if kind == "shutdown":
        return Shutdown()
    if kind == "stream_options":
        return _parse_stream_options(obj)
    raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind[:64]!r}")


def stream_of(obj: dict[str, Any], code: ErrorCode, what: str) -> str:
    """The line's stream id, DEFAULT_STREAM when it has none; a bad id is a recoverable error."""
    if "stream" not in obj:
        return DEFAULT_STREAM
    stream = obj["stream"]
    if not isinstance(stream, str) or not _STREAM_ID.fullmatch(stream):
        raise ProtocolError(code, f'{what} has a bad "stream" {_brief(stream)}: it must be 1-'
                            f"{MAX_STREAM_ID_CHARS} characters of A-Z a-z 0-9 _ -; line dropped")
    return stream


def _echoable(ping_id: Any) -> Any:
    """The ping id, if it can be written back as UTF-8 JSON (a lone surrogate "\\ud800" cannot).

    Only the id is encoded, by the same rule Output uses for the whole pong.
    """
    try:
        encode(ping_id)
    except (ValueError, TypeError, RecursionError) as exc:  # UnicodeEncodeError is a ValueError
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f"ping id cannot be echoed as UTF-8 JSON: "
                            f"{type(exc).__name__}") from None
    return ping_id


def _brief(value: Any) -> str:
    """A short repr for an error message; repr of a hostile value (deeply nested) may itself raise."""
    try:
        return repr(value)[:32]
    except Exception:
        return f"<{type(value).__name__}>"


def _parse_stream_options(obj: dict[str, Any]) -> StreamOptions:
    stream = stream_of(obj, ErrorCode.BAD_MESSAGE, "stream_options")

    def bad(field: str, expected: str) -> ProtocolError:
        return ProtocolError(ErrorCode.BAD_MESSAGE, f'stream_options "{field}" must be {expected}, got '
                             f"{_brief(obj[field])}; line dropped", stream=stream)

    def text(field: str, pattern: "re.Pattern[str] | None", expected: str, limit: int) -> str | None:
        value = obj.get(field)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > limit or (pattern and not pattern.fullmatch(value)):
            raise bad(field, expected)
        return value

    temperature = obj.get("temperature")
    if temperature is not None and (isinstance(temperature, bool) or not isinstance(temperature, (int, float))
                                    or not 0 <= temperature <= 1):
        raise bad("temperature", "a number in [0, 1]")
    words = obj.get("word_timestamps")
    if words is not None and not isinstance(words, bool):
        raise bad("word_timestamps", "true or false")
    return StreamOptions(
        stream=stream,
        model=text("model", _MODEL_NAME, "a model name or directory", 255),
        language=text("language", _LANGUAGE, "a lower-case language code or auto", 4),
        prompt=text("prompt", None, f"a string of at most {MAX_PROMPT_CHARS} characters", MAX_PROMPT_CHARS),
        temperature=None if temperature is None else float(temperature),
        word_timestamps=words)


def _parse_audio_frame(obj: dict[str, Any]) -> AudioFrame:
    stream = stream_of(obj, ErrorCode.BAD_FRAME, "audio_frame")
    seq = obj.get("seq")
    # bool is an int subclass; true/false as a seq is a sender bug, not frame 1/0.
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQ:
        # Never format the value itself: str() of a 4300-digit int raises.
        raise ProtocolError(ErrorCode.BAD_FRAME,
                            f'audio_frame needs an integer "seq" in [0, {MAX_SEQ}]; frame dropped',
                            stream=stream)
    rate = obj.get("sample_rate", SAMPLE_RATE)
    channels = obj.get("channels", CHANNELS)
    if rate != SAMPLE_RATE or channels != CHANNELS:
        raise ProtocolError(
            ErrorCode.BAD_FRAME,
            f"seq {seq}: expected {SAMPLE_RATE} Hz mono, got sample_rate={_brief(rate)} "
            f"channels={_brief(channels)}", seq, stream,
        )
    data = obj.get("data")
    if not isinstance(data, str):
        raise ProtocolError(ErrorCode.BAD_FRAME, f'seq {seq}: "data" must be a base64 string', seq, stream)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(ErrorCode.BAD_FRAME, f"seq {seq}: data is not valid base64", seq, stream) from None
    if not raw or len(raw) % 2:
        raise ProtocolError(
            ErrorCode.BAD_FRAME, f"seq {seq}: {len(raw)} bytes is not a whole number of s16le samples", seq, stream
        )
    return AudioFrame(seq, np.frombuffer(raw, dtype="<i2").astype(np.int16, copy=False), stream)


def samples_to_ms(samples: int) -> int:
    return samples // SAMPLES_PER_MS


# --- stdout events -------------------------------------------------------------------------------

Event = dict[str, Any]


def encode(value: Any) -> bytes:
    """One event (or any JSON value) as one line of strict JSON in UTF-8.

    Raises ValueError/TypeError/RecursionError (UnicodeEncodeError is a ValueError).
    allow_nan=False: NaN/Infinity are not JSON and the daemon's parser drops such a line.
    ensure_ascii=False with a strict encode: transcripts stay readable UTF-8, and a lone surrogate
    raises here instead of leaving as a "\\ud800" escape, which is valid JSON grammar but rejected
    by the daemon's parser (nlohmann), i.e. an event silently lost.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def ready(engine: str, model: str, languages: Sequence[str] = ("en",),
          models: Sequence[dict[str, Any]] = ()) -> Event:
    """languages: what the loaded model transcribes; models: every installed catalog model
    ({"name", "engine", "languages", "translate"}), what the daemon lists (GET /v1/models)."""
    return {"type": "ready", "protocol": PROTOCOL_VERSION, "engine": engine, "model": model,
            "sample_rate": SAMPLE_RATE, "languages": list(languages), "models": list(models)}


def pong(ping_id: Any) -> Event:
    return {"type": "pong", "id": ping_id}


def _about(kind: str, stream: str) -> Event:
    """An event about one stream's audio: "stream" follows "type", and only for a named stream,
    so the default stream's events are exactly v1's."""
    return {"type": kind, "stream": stream} if stream else {"type": kind}


def ack(seq: int, received: int, stream: str = DEFAULT_STREAM) -> Event:
    """Every frame of the stream up to and including `seq` is fully consumed.

    `received` is how many audio_frame lines of this stream the reader accepted since the stream
    started (an extra field, allowed by DESIGN.md §3): the daemon compares it with its count of
    frames sent.

    seq is -1 while nothing is consumed yet (speech that starts at the first frame is held until
    its final): vacuously true, and it keeps the "ack at least every 200 ms while audio flows"
    heartbeat of DESIGN.md §3 without ever claiming a frame that is still held.
    """
    return {**_about("ack", stream), "seq": seq, "received": received}


def stream_closed(stream: str) -> Event:
    """After a flush of a named stream: its last final and ack are out and its state is gone."""
    return _about("stream_closed", stream)


def speech_start(utterance: int, audio_ms: int, stream: str = DEFAULT_STREAM) -> Event:
    return {**_about("speech_start", stream), "utterance": utterance, "audio_ms": audio_ms}


def speech_end(utterance: int, audio_ms: int, stream: str = DEFAULT_STREAM) -> Event:
    return {**_about("speech_end", stream), "utterance": utterance, "audio_ms": audio_ms}


def partial_text(utterance: int, text: str, audio_ms: int, latency_ms: int,
                 stream: str = DEFAULT_STREAM) -> Event:
    return {**_about("partial_text", stream), "utterance": utterance, "text": text, "audio_ms": audio_ms,
            "latency_ms": latency_ms}


class Decoded(Protocol):
    """What a final says of its decode (engines.Transcript): each None when the engine cannot say."""

    confidence: float | None
    avg_logprob: float | None
    no_speech_prob: float | None
    compression_ratio: float | None
    temperature: float | None
    language: str | None
    words: Sequence[Any]  # .text, .start_s, .end_s (from start_ms), .probability


def final_text(utterance: int, text: str, start_ms: int, end_ms: int, latency_ms: int,
               decoded: Decoded | None, stream: str = DEFAULT_STREAM) -> Event:
    """decoded: None for a final with nothing to publish (filtered out, or a failed decode)."""
    event: Event = {**_about("final_text", stream), "utterance": utterance, "text": text,
                    "start_ms": start_ms, "end_ms": end_ms, "latency_ms": latency_ms}
    if decoded is None:
        return event
    for name in ("confidence", "avg_logprob", "no_speech_prob", "compression_ratio", "temperature"):
        value = getattr(decoded, name)
        if value is not None:
            event[name] = round(value, 3)
    if decoded.language is not None:
        event["language"] = decoded.language
    if decoded.words:
        # On the stream's timeline like start_ms, never outside [start_ms, end_ms].
        clamp = lambda ms: min(max(ms, start_ms), end_ms)  # noqa: E731
        event["words"] = [{"word": w.text, "start_ms": clamp(start_ms + round(w.start_s * 1000)),
                           "end_ms": clamp(start_ms + round(w.end_s * 1000)), "probability": round(w.probability, 3)}
                          for w in decoded.words]
    return event


def no_speech(audio_ms: int, stream: str = DEFAULT_STREAM) -> Event:
    return {**_about("no_speech", stream), "audio_ms": audio_ms}


def error(code: ErrorCode, message: str, recoverable: bool, stream: str = DEFAULT_STREAM) -> Event:
    """stream: the stream a recoverable error is about (a bad frame of it, its failed utterance)."""
    return {**_about("error", stream), "code": str(code), "message": message, "recoverable": recoverable}
