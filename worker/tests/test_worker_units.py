"""In-process checks of the pure pieces: segmenter rules, re-chunking, bounded lines, text filters."""

from __future__ import annotations

import io
import json
import queue
from typing import NoReturn

import numpy as np
import pytest

from voice_worker import protocol
from voice_worker.config import parse_config
from voice_worker.filters import clean_text, is_repetition_loop
from voice_worker.lines import read_line
from voice_worker.output import Output
from voice_worker.protocol import ErrorCode
from voice_worker.reader import EndOfStream, Reader
from voice_worker.segmenter import NoSpeech, Segmenter, SegmenterConfig, SpeechEnded, SpeechStarted
from voice_worker.sequence import MAX_JUMP_FRAMES, SeqTracker
from voice_worker.stats import Stats
from voice_worker.engines import Transcript
from voice_worker.stt_watchdog import SttWatchdog
from voice_worker.vad import FRAME_SAMPLES, Chunk, Rechunker

QUIET = np.zeros(FRAME_SAMPLES, dtype=np.int16)


def _feed(seg: Segmenter, pattern: list[bool], start: int = 0) -> list:
    events = []
    for i, voiced in enumerate(pattern, start):
        events += seg.push(Chunk(QUIET, i, i, i * FRAME_SAMPLES, 0.0), voiced)
    return events


def test_no_speech_waits_for_buffered_speech_and_fires_once_per_stretch() -> None:
    pending = [True]
    seg = Segmenter(SegmenterConfig(), speech_pending=lambda: pending[0])
    events = _feed(seg, [False] * 200)
    assert not any(isinstance(e, NoSpeech) for e in events), "an unfinished final counts as buffered speech"
    pending[0] = False
    events = _feed(seg, [False] * 1000, start=200)
    assert [e.end_sample for e in events if isinstance(e, NoSpeech)] == [201 * FRAME_SAMPLES]


def test_isolated_voiced_blips_do_not_start_speech_or_split_the_stretch() -> None:
    seg = Segmenter(SegmenterConfig(), speech_pending=lambda: False)
    pattern = ([True] + [False] * 6) * 500  # 14 % voiced, like the rare noise frame webrtcvad lets by
    events = _feed(seg, pattern)
    assert not any(isinstance(e, SpeechStarted) for e in events)
    assert sum(isinstance(e, NoSpeech) for e in events) == 1


def test_speech_keeps_preroll_ends_after_half_a_second_and_rearms_no_speech() -> None:
    seg = Segmenter(SegmenterConfig(), speech_pending=lambda: False)
    events = _feed(seg, [False] * 200 + [True] * 100 + [False] * 300)
    starts = [e for e in events if isinstance(e, SpeechStarted)]
    ends = [e for e in events if isinstance(e, SpeechEnded)]
    no_speech = [e for e in events if isinstance(e, NoSpeech)]
    assert len(starts) == len(ends) == 1
    # Triggered on the 18th voiced frame (217); the utterance keeps the 60 frames up to it:
    # 30 of trigger window and 30 of pre-roll, so the first syllable is not cut.
    assert starts[0].first_seq == 217 - 59
    # Ends once 45 of the last 50 frames are silent: 0.45-0.5 s into the pause.
    assert ends[0].end_sample == 345 * FRAME_SAMPLES
    # A new silent stretch: one more no_speech, >= 1.2 s after the last voiced frame.
    assert len(no_speech) == 2 and no_speech[1].end_sample >= (300 + 120) * FRAME_SAMPLES


def test_rechunker_tags_chunks_with_the_frames_they_came_from() -> None:
    r = Rechunker()
    chunks = r.push(0, np.arange(100, dtype=np.int16), 1.0) + r.push(1, np.arange(250, dtype=np.int16), 2.0)
    assert [(c.first_seq, c.last_seq, c.start_sample) for c in chunks] == [(0, 1, 0), (1, 1, 160)]
    assert r.held_from_seq == 1
    tail = r.take_tail()
    assert tail is not None and len(tail.samples) == 350 - 320 and r.held_from_seq is None


def test_oversized_line_is_skipped_and_the_next_line_is_read() -> None:
    stream = io.BufferedReader(io.BytesIO(b"x" * 3_000_000 + b"\n" + b'{"type":"flush"}\n'))
    first = read_line(stream, 1 << 20)
    assert first is not None and first.too_long and first.data == b"" and first.length == 3_000_000
    second = read_line(stream, 1 << 20)
    assert second is not None and second.data == b'{"type":"flush"}'
    assert read_line(stream, 1 << 20) is None


def test_filters_drop_empty_text_and_keep_speech() -> None:
    assert clean_text("  ...  ") is None
    assert is_repetition_loop("you you you you you")
    assert is_repetition_loop("Thank you. Thank you. Thank you. Thank you.")
    assert clean_text(" Please open the window, it is warm. ") == "Please open the window, it is warm."


# --- text filters: trim loops, drop only unsure stock phrases ------------------------------------

SURE = {"avg_logprob": -0.2, "no_speech_prob": 0.2}  # measured: real speech through tiny.en
UNSURE = {"avg_logprob": -1.4, "no_speech_prob": 0.95}  # measured: " you" on white noise


def test_a_loop_is_trimmed_to_one_occurrence_and_the_real_speech_is_kept() -> None:
    said = "No, no, no, no, no, I did not say that, I said we should meet on Monday at nine."
    assert clean_text(said, **SURE) == "No, I did not say that, I said we should meet on Monday at nine."
    looped = "We should meet on Monday at nine. The the the the the the the the the the"
    assert clean_text(looped, **SURE) == "We should meet on Monday at nine. The"
    phrase_loop = "Let me check. I think, I think, I think, I think we should go"
    assert clean_text(phrase_loop, **SURE) == "Let me check. I think, we should go"
    # Up to three repeats is natural speech and stays as said.
    natural = "no no no, I said that the the report is due"
    assert clean_text(natural, **SURE) == natural and not is_repetition_loop(natural)


def test_stock_hallucinations_are_dropped_only_when_the_decoder_was_unsure() -> None:
    for text in ("you you you you", "Thank you. Thank you. Thank you.", " Thank you.", "Thanks for watching!",
                 "Bye bye.", " you"):
        assert clean_text(text, **UNSURE) is None, text
        assert clean_text(text, avg_logprob=-1.0, no_speech_prob=0.2) is None, text  # low logprob alone
        assert clean_text(text, avg_logprob=-0.2, no_speech_prob=0.9) is None, text  # no-speech alone
    # A user who clearly says it keeps it (loops still trimmed).
    assert clean_text(" Thank you.", **SURE) == "Thank you."
    assert clean_text("you you you you", **SURE) == "you"
    # Real speech is never judged a stock phrase, however unsure.
    assert clean_text("Thank you for the notes from the meeting.", **UNSURE) == \
        "Thank you for the notes from the meeting."
    assert clean_text(" . . . ", **SURE) is None


# --- seq rules -----------------------------------------------------------------------------------

def test_seq_gaps_are_followed_but_implausible_jumps_do_not_move_the_clock() -> None:
    t = SeqTracker()
    assert [t.check(s).accept for s in (0, 1)] == [True, True]
    jump = t.check(10**20)
    assert not jump.accept and "jumps" in jump.problem and t.expected == 2
    assert [t.check(s).accept for s in (2, 3, 4)] == [True, True, True]
    gap = t.check(4 + MAX_JUMP_FRAMES + 1)
    assert gap.accept and gap.missing == MAX_JUMP_FRAMES
    assert not t.check(t.expected + MAX_JUMP_FRAMES + 1).accept


def test_consecutive_frames_behind_resync_instead_of_being_dropped_forever() -> None:
    t = SeqTracker()
    for s in (0, 1, 400):  # 400: a corrupt seq within the gap tolerance moved the clock ahead
        assert t.check(s).accept
    verdicts = [t.check(s) for s in (2, 3, 4, 5, 6)]
    assert [v.accept for v in verdicts] == [False, False, True, True, True]
    assert verdicts[0].behind and verdicts[2].resynced and "resynchronised to seq 4" in verdicts[2].problem
    assert verdicts[3].problem is None and t.expected == 7
    # Isolated stragglers never resync: the run must be consecutive.
    for s in (1, 3, 5):
        assert not t.check(s).accept
    assert t.expected == 7
    # The same holds ahead: a sender that really restarted far away is followed after 3 frames.
    assert [t.check(s).accept for s in (10**6, 10**6 + 1, 10**6 + 2)] == [False, False, True]


# --- stdout writer -------------------------------------------------------------------------------

def _output() -> tuple[Output, io.BytesIO]:
    buf = io.BytesIO()

    def closed() -> NoReturn:
        raise AssertionError("stdout closed")
    return Output(buf, on_closed=closed), buf


def test_an_event_that_cannot_be_written_as_json_becomes_a_recoverable_error() -> None:
    out, buf = _output()
    out.emit(protocol.pong("\ud800"))  # lone surrogate: not encodable as UTF-8
    out.emit(protocol.pong(float("nan")))  # not JSON
    out.emit(protocol.final_text(1, "café — ok", 0, 10, 5, Transcript("café — ok", 0.9)))
    lines = buf.getvalue().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 4
    events = [json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in output")) for line in lines[:3]]
    assert [(e["type"], e.get("code"), e.get("recoverable")) for e in events[:2]] == \
        [("error", "INTERNAL_ERROR", True)] * 2
    assert "pong" in events[0]["message"]
    assert events[2]["text"] == "café — ok"  # transcripts stay readable UTF-8


def test_hostile_lines_parse_to_protocol_errors_only() -> None:
    cases = {
        b"[" * 1000 + b"]" * 1000: ErrorCode.MALFORMED_LINE,  # RecursionError inside json
        b'{"type":"audio_frame","seq":' + b"9" * 5000 + b',"data":"AAAA"}': ErrorCode.MALFORMED_LINE,
        b'{"type":"ping","id":NaN}': ErrorCode.MALFORMED_LINE,
        b'{"type":"ping","id":-Infinity}': ErrorCode.MALFORMED_LINE,
        b'{"type":"ping","id":1e999}': ErrorCode.MALFORMED_LINE,
        b'{"type":"ping","id":"\\ud800"}': ErrorCode.BAD_MESSAGE,
        b'{"type":"audio_frame","seq":' + b"9" * 4300 + b',"data":"AAAA"}': ErrorCode.BAD_FRAME,
        b'{"type":"audio_frame","seq":18446744073709551616,"data":"AAAA"}': ErrorCode.BAD_FRAME,
    }
    for line, code in cases.items():
        with pytest.raises(protocol.ProtocolError) as info:
            protocol.parse_line(line)
        assert info.value.code is code, line[:60]
        assert len(info.value.message) < 300
    top = protocol.parse_line(b'{"type":"audio_frame","seq":18446744073709551615,"data":"AAAAAA=="}')
    assert isinstance(top, protocol.AudioFrame) and top.seq == protocol.MAX_SEQ
    bad = pytest.raises(protocol.ProtocolError, protocol.parse_line, b'{"type":"audio_frame","seq":7,"data":"***"}')
    assert bad.value.seq == 7  # a bad payload still names its place in the sequence


# --- STT watchdog --------------------------------------------------------------------------------

def test_stt_watchdog_limit_is_the_floor_or_five_times_the_audio() -> None:
    now = [100.0]
    dog = SttWatchdog(min_timeout_s=10.0, clock=lambda: now[0])
    assert dog.overdue() is None
    dog.started(1.0, "a partial")  # limit 10 s
    now[0] += 10.0
    assert dog.overdue() is None
    now[0] += 0.1
    assert "a partial has run 10.1 s, limit 10 s" in dog.overdue()
    dog.finished()
    assert dog.overdue() is None
    dog.started(29.0, "a final")  # limit 145 s
    now[0] += 144.0
    assert dog.overdue() is None
    now[0] += 2.0
    assert dog.overdue() is not None
    cfg = parse_config(["--engine", "echo"], {"VOICE_WORKER_STT_TIMEOUT": "2.5"})
    assert cfg.stt_timeout_s == 2.5


# --- reader backstop -----------------------------------------------------------------------------

def test_an_unexpected_error_on_one_line_is_reported_and_reading_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    real_parse = protocol.parse_line

    def buggy_parse(line: bytes) -> protocol.Message:
        if line == b"boom":
            raise KeyError("a bug nobody foresaw")
        return real_parse(line)

    monkeypatch.setattr(protocol, "parse_line", buggy_parse)
    out, buf = _output()
    ingest: queue.Queue = queue.Queue()

    def die(code: ErrorCode, message: str, exit_code: int) -> NoReturn:
        raise AssertionError(f"died: {code} {message}")

    stdin = io.BufferedReader(io.BytesIO(b'boom\n{"type":"ping","id":1}\n'))
    Reader(stdin, out, ingest, Stats(), die).run()  # returns at EOF instead of crashing
    events = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [(e["type"], e.get("code"), e.get("recoverable")) for e in events] == \
        [("error", "INTERNAL_ERROR", True), ("pong", None, None)]
    assert isinstance(ingest.get_nowait(), EndOfStream)
