"""The golden protocol lines of tests/fixtures/protocol_v1.jsonl and protocol_v2.jsonl, checked
against the worker's own code.

The daemon's C++ tests read the same file, so both ends of DESIGN.md §3 agree on one set of lines:
  * every valid to_worker line is accepted by the worker's parser and reader, and every invalid
    one is rejected with the error code the fixture names;
  * every valid from_worker line is exactly what the worker's emitters (protocol.py) produce:
    same keys, same value types, same values.
A v2 worker reads and writes every v1 line unchanged, except its ready (protocol 2, and two more fields).
"""

from __future__ import annotations

import io
import json
import queue
from pathlib import Path
from typing import Any, NoReturn

import pytest

from voice_worker import protocol
from voice_worker.acks import AckHub
from voice_worker.engines import Transcript
from voice_worker.output import Output
from voice_worker.protocol import ErrorCode
from voice_worker.reader import EndOfStream, Frame, Reader
from voice_worker.stats import Stats
from voice_worker.streams import StreamRef

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
VERSIONS = (1, 2)


def _rows(version: int) -> list[dict[str, Any]]:
    text = (FIXTURES / f"protocol_v{version}.jsonl").read_text("utf-8")
    return [{**json.loads(line), "version": version} for line in text.splitlines() if line.strip()]


ROWS: list[dict[str, Any]] = [r for v in VERSIONS for r in _rows(v)]
TO_WORKER = [r for r in ROWS if r["dir"] == "to_worker"]
FROM_WORKER = [r for r in ROWS if r["dir"] == "from_worker"]
STREAM_EVENTS = {"speech_start", "speech_end", "partial_text", "final_text", "no_speech", "ack", "error",
                 "stream_closed"}


def _of(version: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["version"] == version]


def _row_id(row: dict[str, Any]) -> str:
    return f"v{row['version']}: {row['note'][:40]}"


def _wire(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_fixture_covers_every_message_of_the_protocol_in_both_directions(version: int) -> None:
    rows, to_worker, from_worker = _of(version, ROWS), _of(version, TO_WORKER), _of(version, FROM_WORKER)
    assert all(set(r) <= {"dir", "line", "valid", "note", "code", "version"} and isinstance(r["valid"], bool)
               for r in rows)
    valid_in = {r["line"]["type"] for r in to_worker if r["valid"]}
    valid_out = {r["line"]["type"] for r in from_worker if r["valid"]}
    assert valid_in == {"audio_frame", "ping", "flush", "shutdown"} | ({"stream_options"} if version == 2 else set())
    v1_out = {"ready", "pong", "speech_start", "speech_end", "partial_text", "final_text", "no_speech", "ack", "error"}
    if version == 1:
        assert valid_out == v1_out
    else:
        assert valid_out == v1_out - {"pong"} | {"stream_closed"}
        # Every event about a stream's audio has a line with "stream", and both directions have
        # lines without it (the default stream, v1's lines unchanged).
        assert {r["line"]["type"] for r in from_worker if r["valid"] and "stream" in r["line"]} == STREAM_EVENTS
        assert any("stream" not in r["line"] for r in from_worker if r["valid"] and r["line"]["type"] == "ack")
        assert any("stream" not in r["line"] for r in to_worker if r["valid"] and r["line"]["type"] == "audio_frame")
    finals = [r["line"] for r in from_worker if r["valid"] and r["line"]["type"] == "final_text"]
    assert {"confidence" in f for f in finals} == {True, False}
    assert all("received" in r["line"] for r in from_worker if r["valid"] and r["line"]["type"] == "ack")
    assert any(not r["valid"] for r in to_worker) and any(not r["valid"] for r in from_worker)
    assert all(r.get("code") in set(ErrorCode) for r in to_worker if not r["valid"])


@pytest.mark.parametrize("row", TO_WORKER, ids=_row_id)
def test_each_to_worker_line_parses_or_is_rejected_with_its_code(row: dict[str, Any]) -> None:
    line = _wire(row["line"])
    if row["valid"]:
        msg = protocol.parse_line(line)
        kind = {protocol.AudioFrame: "audio_frame", protocol.Ping: "ping", protocol.Flush: "flush",
                protocol.Shutdown: "shutdown", protocol.StreamOptions: "stream_options"}[type(msg)]
        assert kind == row["line"]["type"]
        if isinstance(msg, protocol.AudioFrame):
            assert msg.seq == row["line"]["seq"] and msg.samples.dtype.name == "int16"
            assert len(msg.samples) == 160
        if isinstance(msg, (protocol.AudioFrame, protocol.Flush, protocol.StreamOptions)):
            assert msg.stream == row["line"].get("stream", protocol.DEFAULT_STREAM)
        if isinstance(msg, protocol.StreamOptions):
            given = {k: v for k, v in row["line"].items() if k not in ("type", "stream")}
            assert {k: getattr(msg, k) for k in given} == given
    else:
        with pytest.raises(protocol.ProtocolError) as info:
            protocol.parse_line(line)
        assert info.value.code == row["code"], row["note"]


def _valid_stream(line: dict[str, Any]) -> str | None:
    """The stream a line names, if it names a valid one (an error about the line then names it too)."""
    try:
        return protocol.stream_of(line, ErrorCode.BAD_MESSAGE, "line") or None
    except protocol.ProtocolError:
        return None


@pytest.mark.parametrize("version", VERSIONS)
def test_the_reader_accepts_the_valid_lines_and_reports_each_invalid_one(version: int) -> None:
    to_worker = _of(version, TO_WORKER)
    buf = io.BytesIO()

    def closed() -> NoReturn:
        raise AssertionError("stdout closed")

    out = Output(buf, on_closed=closed)
    ingest: queue.Queue = queue.Queue()
    acks = AckHub(out)

    def die(code: ErrorCode, message: str, exit_code: int) -> NoReturn:
        raise AssertionError(f"died: {code} {message}")

    stdin = io.BufferedReader(io.BytesIO(b"".join(_wire(r["line"]) + b"\n" for r in to_worker)))
    stats = Stats()
    Reader(stdin, out, ingest, stats, die, on_audio=acks.audio_received).run()
    events = [json.loads(line) for line in buf.getvalue().splitlines()]
    errors = [e for e in events if e["type"] == "error"]
    invalid = [r for r in to_worker if not r["valid"]]
    assert [e["code"] for e in errors] == [r["code"] for r in invalid]
    # An error about a frame of a (valid) stream names it; one about a bad id names none.
    assert [e.get("stream") for e in errors] == [_valid_stream(r["line"]) for r in invalid]
    assert all(e["recoverable"] for e in errors)
    pings = [r["line"]["id"] for r in to_worker if r["valid"] and r["line"]["type"] == "ping"]
    assert [e["id"] for e in events if e["type"] == "pong"] == pings
    items = []
    while not ingest.empty():
        items.append(ingest.get_nowait())
    valid = [r["line"] for r in to_worker if r["valid"]]
    frames = [i for i in items if isinstance(i, Frame)]
    assert [(i.seq, i.stream.name) for i in frames] == \
        [(line["seq"], line.get("stream", "")) for line in valid if line["type"] == "audio_frame"]
    ends = [i for i in items if isinstance(i, EndOfStream)]
    assert [(i.shutdown, i.stream.name if not i.shutdown else None) for i in ends] == \
        [(line["type"] == "shutdown", line.get("stream", "") if line["type"] == "flush" else None)
         for line in valid if line["type"] in ("flush", "shutdown")]
    refs: dict[StreamRef, int] = {}
    for i in frames:
        refs[i.stream] = refs.get(i.stream, 0) + 1
    # Each stream's ack: "received" counts exactly its audio_frame lines the reader accepted.
    for ref, count in refs.items():
        mark = len(buf.getvalue().splitlines())
        acks.tracker(ref).maybe_ack()
        ack = json.loads(buf.getvalue().splitlines()[mark])
        assert ack == protocol.ack(-1, count, ref.name)
    assert stats.frames == len(frames)
    if version == 2:  # a flushed stream's next frame is a new stream (its own state, seq from 0 again)
        assert len({i.stream.key for i in frames if i.stream.name == "kitchen"}) == 2


def _emitted(line: dict[str, Any]) -> dict[str, Any]:
    """What the worker's own emitter writes for the values in `line`."""
    kind = line["type"]
    stream = line.get("stream", protocol.DEFAULT_STREAM)
    if kind == "ready":
        return protocol.ready(line["engine"], line["model"], line.get("languages", ["en"]), line.get("models", []))
    if kind == "stream_closed":
        return protocol.stream_closed(stream)
    if kind == "pong":
        return protocol.pong(line["id"])
    if kind == "speech_start":
        return protocol.speech_start(line["utterance"], line["audio_ms"], stream)
    if kind == "speech_end":
        return protocol.speech_end(line["utterance"], line["audio_ms"], stream)
    if kind == "partial_text":
        return protocol.partial_text(line["utterance"], line["text"], line["audio_ms"], line["latency_ms"],
                                     stream)
    if kind == "final_text":
        return protocol.final_text(line["utterance"], line["text"], line["start_ms"], line["end_ms"],
                                   line["latency_ms"],
                                   Transcript(line["text"], line["confidence"]) if "confidence" in line else None,
                                   stream)
    if kind == "no_speech":
        return protocol.no_speech(line["audio_ms"], stream)
    if kind == "ack":
        return protocol.ack(line["seq"], line["received"], stream)
    if kind == "error":
        return protocol.error(ErrorCode(line["code"]), line["message"], line["recoverable"], stream)
    raise AssertionError(f"no emitter for {kind!r}")


def _shape(obj: dict[str, Any]) -> dict[str, str]:
    return {k: type(v).__name__ for k, v in obj.items()}


@pytest.mark.parametrize("row", [r for r in FROM_WORKER if r["valid"]], ids=_row_id)
def test_each_valid_from_worker_line_is_exactly_what_the_worker_writes(row: dict[str, Any]) -> None:
    line = row["line"]
    if line["type"] == "ready" and row["version"] == 1:
        # The one v1 line a v2 worker does not write as is: it announces its own version, the
        # languages of its model and the installed models (fields a v1 sidecar ignores).
        assert line["protocol"] == 1 and protocol.PROTOCOL_VERSION == 2
        line = {**line, "protocol": protocol.PROTOCOL_VERSION, "languages": ["en"], "models": []}
    produced = json.loads(protocol.encode(_emitted(line)))  # through the real wire encoding
    assert _shape(produced) == _shape(line)
    assert produced == line
    assert list(produced) == list(line)  # same field order too: "stream" right after "type"


@pytest.mark.parametrize("row", [r for r in FROM_WORKER if not r["valid"]], ids=_row_id)
def test_invalid_from_worker_lines_are_never_written(row: dict[str, Any]) -> None:
    # Every emitter sets a string "type", and a "stream" only from an id the parser accepted.
    line = row["line"]
    assert not isinstance(line.get("type"), str) or ("stream" in line and _valid_stream(line) is None)
