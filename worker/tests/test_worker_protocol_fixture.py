"""The golden protocol lines of tests/fixtures/protocol_v1.jsonl, checked against the worker's own code.

The daemon's C++ tests read the same file, so both ends of DESIGN.md §3 agree on one set of lines:
  * every valid to_worker line is accepted by the worker's parser and reader, and every invalid
    one is rejected with the error code the fixture names;
  * every valid from_worker line is exactly what the worker's emitters (protocol.py) produce:
    same keys, same value types, same values.
"""

from __future__ import annotations

import io
import json
import queue
from pathlib import Path
from typing import Any, NoReturn

import pytest

from voice_worker import protocol
from voice_worker.acks import AckTracker
from voice_worker.output import Output
from voice_worker.protocol import ErrorCode
from voice_worker.reader import EndOfStream, Frame, Reader
from voice_worker.stats import Stats

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "protocol_v1.jsonl"
ROWS: list[dict[str, Any]] = [json.loads(line) for line in FIXTURE.read_text("utf-8").splitlines() if line.strip()]
TO_WORKER = [r for r in ROWS if r["dir"] == "to_worker"]
FROM_WORKER = [r for r in ROWS if r["dir"] == "from_worker"]


def _wire(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def test_the_fixture_covers_every_message_of_the_protocol_in_both_directions() -> None:
    assert all(set(r) <= {"dir", "line", "valid", "note", "code"} and isinstance(r["valid"], bool) for r in ROWS)
    valid_in = {r["line"]["type"] for r in TO_WORKER if r["valid"]}
    valid_out = {r["line"]["type"] for r in FROM_WORKER if r["valid"]}
    assert valid_in == {"audio_frame", "ping", "flush", "shutdown"}
    assert valid_out == {"ready", "pong", "speech_start", "speech_end", "partial_text", "final_text",
                         "no_speech", "ack", "error"}
    finals = [r["line"] for r in FROM_WORKER if r["valid"] and r["line"]["type"] == "final_text"]
    assert {"confidence" in f for f in finals} == {True, False}
    assert all("received" in r["line"] for r in FROM_WORKER if r["valid"] and r["line"]["type"] == "ack")
    assert any(not r["valid"] for r in TO_WORKER) and any(not r["valid"] for r in FROM_WORKER)
    assert all(r.get("code") in set(ErrorCode) for r in TO_WORKER if not r["valid"])


@pytest.mark.parametrize("row", TO_WORKER, ids=lambda r: r["note"][:40])
def test_each_to_worker_line_parses_or_is_rejected_with_its_code(row: dict[str, Any]) -> None:
    line = _wire(row["line"])
    if row["valid"]:
        msg = protocol.parse_line(line)
        kind = {protocol.AudioFrame: "audio_frame", protocol.Ping: "ping", protocol.Flush: "flush",
                protocol.Shutdown: "shutdown"}[type(msg)]
        assert kind == row["line"]["type"]
        if isinstance(msg, protocol.AudioFrame):
            assert msg.seq == row["line"]["seq"] and msg.samples.dtype.name == "int16"
            assert len(msg.samples) == 160
    else:
        with pytest.raises(protocol.ProtocolError) as info:
            protocol.parse_line(line)
        assert info.value.code == row["code"], row["note"]


def test_the_reader_accepts_the_valid_lines_and_reports_each_invalid_one() -> None:
    buf = io.BytesIO()

    def closed() -> NoReturn:
        raise AssertionError("stdout closed")

    out = Output(buf, on_closed=closed)
    ingest: queue.Queue = queue.Queue()
    acks = AckTracker(out)

    def die(code: ErrorCode, message: str, exit_code: int) -> NoReturn:
        raise AssertionError(f"died: {code} {message}")

    stdin = io.BufferedReader(io.BytesIO(b"".join(_wire(r["line"]) + b"\n" for r in TO_WORKER)))
    stats = Stats()
    Reader(stdin, out, ingest, stats, die, on_audio=acks.audio_received).run()
    events = [json.loads(line) for line in buf.getvalue().splitlines()]
    errors = [e["code"] for e in events if e["type"] == "error"]
    assert errors == [r["code"] for r in TO_WORKER if not r["valid"]]
    assert all(e["recoverable"] for e in events if e["type"] == "error")
    pings = [r["line"]["id"] for r in TO_WORKER if r["valid"] and r["line"]["type"] == "ping"]
    assert [e["id"] for e in events if e["type"] == "pong"] == pings
    items = []
    while not ingest.empty():
        items.append(ingest.get_nowait())
    frames = [i.seq for i in items if isinstance(i, Frame)]
    assert frames == [r["line"]["seq"] for r in TO_WORKER if r["valid"] and r["line"]["type"] == "audio_frame"]
    assert [i.shutdown for i in items if isinstance(i, EndOfStream)] == [False, True]  # flush, shutdown
    # The ack's "received" counts exactly the audio_frame lines the reader accepted.
    acks.maybe_ack()
    ack = json.loads(buf.getvalue().splitlines()[-1])
    assert ack == {"type": "ack", "seq": -1, "received": len(frames)} and stats.frames == len(frames)


def _emitted(line: dict[str, Any]) -> dict[str, Any]:
    """What the worker's own emitter writes for the values in `line`."""
    kind = line["type"]
    if kind == "ready":
        return protocol.ready(line["engine"], line["model"])
    if kind == "pong":
        return protocol.pong(line["id"])
    if kind == "speech_start":
        return protocol.speech_start(line["utterance"], line["audio_ms"])
    if kind == "speech_end":
        return protocol.speech_end(line["utterance"], line["audio_ms"])
    if kind == "partial_text":
        return protocol.partial_text(line["utterance"], line["text"], line["audio_ms"], line["latency_ms"])
    if kind == "final_text":
        return protocol.final_text(line["utterance"], line["text"], line["start_ms"], line["end_ms"],
                                   line["latency_ms"], line.get("confidence"))
    if kind == "no_speech":
        return protocol.no_speech(line["audio_ms"])
    if kind == "ack":
        return protocol.ack(line["seq"], line["received"])
    if kind == "error":
        return protocol.error(ErrorCode(line["code"]), line["message"], line["recoverable"])
    raise AssertionError(f"no emitter for {kind!r}")


def _shape(obj: dict[str, Any]) -> dict[str, str]:
    return {k: type(v).__name__ for k, v in obj.items()}


@pytest.mark.parametrize("row", [r for r in FROM_WORKER if r["valid"]], ids=lambda r: r["note"][:40])
def test_each_valid_from_worker_line_is_exactly_what_the_worker_writes(row: dict[str, Any]) -> None:
    line = row["line"]
    produced = json.loads(protocol.encode(_emitted(line)))  # through the real wire encoding
    assert _shape(produced) == _shape(line)
    assert produced == line


@pytest.mark.parametrize("row", [r for r in FROM_WORKER if not r["valid"]], ids=lambda r: r["note"][:40])
def test_invalid_from_worker_lines_have_no_string_type(row: dict[str, Any]) -> None:
    # The worker never writes a line without a string "type" (every emitter sets one).
    assert not isinstance(row["line"].get("type"), str)
