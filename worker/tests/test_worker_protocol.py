"""Protocol behaviour of `python -m voice_worker`, driven through its pipes (echo engine: no model)."""

from __future__ import annotations

import json
import time

import numpy as np

from worker_harness import FRAME, Worker, concat, espeak, silence

MAX_LINE = 1 << 20


def test_ready_is_the_first_line(echo_worker: Worker) -> None:
    ready = echo_worker.seen[0].event
    assert {k: ready[k] for k in ("type", "protocol", "engine", "model", "sample_rate", "languages")} == \
        {"type": "ready", "protocol": 2, "engine": "echo", "model": "none", "sample_rate": 16000, "languages": ["en"]}
    assert "tiny.en" in [m["name"] for m in ready["models"]]  # the installed catalog


def test_acks_progress_every_200ms_and_never_cover_an_unfinished_utterance(echo_worker: Worker,
                                                                          speech: np.ndarray) -> None:
    w = echo_worker
    audio = concat([silence(1.0), speech, silence(1.5)])
    last = w.stream(audio, speed=2.0)
    w.send({"type": "flush"})
    w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == last, timeout=10)

    acks = [s for s in w.seen if s.type == "ack"]
    seqs = [s.event["seq"] for s in acks]
    assert seqs == sorted(seqs), "acks went backwards"
    assert seqs[-1] == last
    # While audio flowed (~2.4 s of wall time) an ack came at least every 200 ms; 100 ms of
    # slack for a loaded 2-core machine.
    gaps = np.diff([s.t for s in acks])
    assert len(acks) >= 10 and gaps.max() <= 0.3, f"ack gaps {gaps.round(3).tolist()}"

    # Frames of utterance 1 are consumed only once its final is written.
    events = [s.event for s in w.seen]
    start = next(e for e in events if e["type"] == "speech_start")
    first_seq = start["audio_ms"] // 10
    i_final = next(i for i, e in enumerate(events) if e["type"] == "final_text")
    before = [e["seq"] for e in events[:i_final] if e["type"] == "ack"]
    after = [e["seq"] for e in events[i_final:] if e["type"] == "ack"]
    assert before and max(before) < first_seq
    assert after and max(after) >= first_seq


def test_flush_finishes_the_open_utterance_at_once(echo_worker: Worker, speech: np.ndarray) -> None:
    w = echo_worker
    last = w.stream(speech)  # ends 0.2 s after the speech: too short for the VAD to end it
    w.wait_for(lambda e: e["type"] == "speech_start", timeout=10)
    mark = w.mark()
    assert not w.events("speech_end")
    w.send({"type": "flush"})
    end = w.wait_for(lambda e: e["type"] == "speech_end", timeout=3, since=mark).event
    final = w.wait_for(lambda e: e["type"] == "final_text", timeout=3, since=mark).event
    total_ms = (last + 1) * 10
    assert end["audio_ms"] == final["end_ms"] == total_ms, "flush must end the utterance at the last frame"
    # The echo engine reports how much audio it got: the final covers the whole utterance.
    assert final["text"].startswith(f"echo {final['end_ms'] - final['start_ms']} ms ")
    w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == last, timeout=3, since=mark)

    # The worker carries on with the next stream.
    last = w.stream(speech)
    w.send({"type": "flush"})
    final2 = w.wait_for(lambda e: e["type"] == "final_text" and e["utterance"] == 2, timeout=5).event
    assert final2["start_ms"] >= total_ms
    w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == last, timeout=3)


def _finishes_then_exits(w: Worker, last: int) -> None:
    final = w.wait_for(lambda e: e["type"] == "final_text", timeout=5).event
    assert final["end_ms"] == (last + 1) * 10
    assert w.wait_exit(5) == 0
    assert w.stdout_closed.wait(5)
    assert w.events("ack")[-1]["seq"] == last
    assert not [e for e in w.events("error")]


def test_shutdown_flushes_and_exits_zero(echo_worker: Worker, speech: np.ndarray) -> None:
    last = echo_worker.stream(speech)
    echo_worker.send({"type": "shutdown"})
    _finishes_then_exits(echo_worker, last)


def test_eof_on_stdin_behaves_like_shutdown(echo_worker: Worker, speech: np.ndarray) -> None:
    last = echo_worker.stream(speech)
    echo_worker.proc.stdin.close()
    _finishes_then_exits(echo_worker, last)


def test_malformed_unknown_and_oversized_lines_are_recoverable(echo_worker: Worker) -> None:
    w = echo_worker
    quiet = silence(0.01)
    bad_lines = [
        (b"this is not json", "MALFORMED_LINE"),
        (b"\xff\xfe{", "MALFORMED_LINE"),
        (b"[1, 2, 3]", "BAD_MESSAGE"),
        (b'{"seq": 1}', "BAD_MESSAGE"),
        (b'{"type": "bogus"}', "UNKNOWN_TYPE"),
        (b'{"type": "audio_frame", "seq": 0, "data": "***"}', "BAD_FRAME"),
        (b'{"type": "audio_frame", "seq": 0, "data": "AA=="}', "BAD_FRAME"),  # 1 byte: half a sample
        (b'{"type": "audio_frame", "seq": 0, "data": "AAAA", "sample_rate": 8000}', "BAD_FRAME"),
        (b'{"type": "audio_frame", "seq": -3, "data": "AAAA"}', "BAD_FRAME"),
        (b'{"type": "audio_frame", "data": "' + b"A" * (3 * MAX_LINE) + b'"}', "LINE_TOO_LONG"),
    ]
    for line, _ in bad_lines:
        w.send_raw(line + b"\n")
    # A line of exactly 1 MiB is still a line.
    head = b'{"type": "ping", "id": "'
    w.send_raw(head + b"x" * (MAX_LINE - len(head) - 2) + b'"}\n')
    w.wait_for(lambda e: e["type"] == "pong" and len(e["id"]) > 1000, timeout=10)
    errors = w.events("error")
    assert [e["code"] for e in errors] == [code for _, code in bad_lines]
    assert all(e["recoverable"] is True for e in errors)

    # Still reading, still transcribing: a ping is answered and a valid frame is consumed. The
    # bad frame with seq 0 took its place in the sequence (it was lost, not absent), so the next
    # frame is seq 1 and is no gap.
    w.send({"type": "ping", "id": "after"})
    w.wait_for(lambda e: e == {"type": "pong", "id": "after"}, timeout=3)
    w.send_raw(w.frame_line(quiet, seq=1))
    w.send({"type": "flush"})
    w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == 1, timeout=3)
    assert len(w.events("error")) == len(bad_lines)
    w.send({"type": "shutdown"})
    assert w.wait_exit(5) == 0


def test_seq_gaps_and_reordering_are_reported_and_counted(echo_worker: Worker) -> None:
    w = echo_worker
    quiet = silence(0.01)
    for seq in [*range(0, 10), *range(15, 20), 12, *range(20, 30)]:
        w.send_raw(w.frame_line(quiet, seq=seq))
    w.send({"type": "flush"})
    w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == 29, timeout=5)
    errors = w.events("error")
    assert [e["code"] for e in errors] == ["BAD_FRAME", "BAD_FRAME"]
    assert all(e["recoverable"] for e in errors)
    assert "gap" in errors[0]["message"] and "expected 10, got 15" in errors[0]["message"]
    assert "out of order" in errors[1]["message"]
    w.send({"type": "shutdown"})
    assert w.wait_exit(5) == 0
    stats = w.stats()
    assert (stats["seq_gaps"], stats["seq_missing"], stats["seq_reordered"], stats["frames"]) == (1, 5, 1, 25)


def test_frames_of_any_whole_number_of_samples_are_rechunked(echo_worker: Worker, speech: np.ndarray) -> None:
    w = echo_worker
    sizes = [100, 250, 160, 37, 480]
    pos, seq = 0, 0
    while pos < len(speech):
        n = sizes[seq % len(sizes)]
        w.send_raw(w.frame_line(speech[pos:pos + n], seq=seq))
        pos, seq = pos + n, seq + 1
    w.send({"type": "flush"})
    final = w.wait_for(lambda e: e["type"] == "final_text", timeout=5).event
    w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == seq - 1, timeout=5)
    assert final["end_ms"] == len(speech) * 1000 // 16000
    assert final["text"].startswith(f"echo {final['end_ms'] - final['start_ms']} ms ")


def test_partials_cover_a_bounded_window_and_the_final_the_whole_utterance(
        echo_worker: Worker, continuous_speech: np.ndarray) -> None:
    w = echo_worker
    w.stream(continuous_speech, speed=8.0)
    w.send({"type": "flush"})
    final = w.wait_for(lambda e: e["type"] == "final_text", timeout=10).event
    utt_ms = final["end_ms"] - final["start_ms"]
    assert utt_ms > 15_000, "the continuous speech should be one long utterance"
    # The final covers the whole utterance, except the trailing silence after the pause its
    # decode started on (a speculative final: no speech followed that pause).
    final_ms = int(final["text"].split()[1])
    assert utt_ms - 500 <= final_ms <= utt_ms, (final_ms, utt_ms)
    partials = [e for e in w.events("partial_text") if e["utterance"] == final["utterance"]]
    covered = [int(e["text"].split()[1]) for e in partials]
    assert covered and max(covered) <= 6000, covered
    # The window bound was actually exercised: partials came late in the utterance.
    assert max(e["audio_ms"] - final["start_ms"] for e in partials) > 10_000


def _strict(event: dict) -> None:
    """The harness parses with json.loads, which accepts NaN/Infinity; the daemon does not."""
    json.dumps(event, allow_nan=False).encode("utf-8")


def test_hostile_lines_never_stop_the_reader_nor_reach_stdout_as_invalid_json(echo_worker: Worker) -> None:
    w = echo_worker
    hostile = [
        (b"[" * 1000 + b"]" * 1000, "MALFORMED_LINE"),  # RecursionError in the JSON parser
        (b'{"type":"audio_frame","seq":' + b"7" * 5000 + b',"data":"AAAA"}', "MALFORMED_LINE"),  # int limit
        (b'{"type":"ping","id":NaN}', "MALFORMED_LINE"),
        (b'{"type":"ping","id":1e999}', "MALFORMED_LINE"),  # would be echoed as Infinity
        (b'{"type":"ping","id":"\\ud800"}', "BAD_MESSAGE"),  # lone surrogate: cannot be written as UTF-8
        (b'{"type":"ping","id":{"a":[' + b"[" * 900 + b"]" * 900 + b"]}}", None),  # deep but legal
    ]
    for line, _ in hostile:
        w.send_raw(line + b"\n")
    w.send({"type": "ping", "id": "still here"})
    w.wait_for(lambda e: e == {"type": "pong", "id": "still here"}, timeout=5)
    errors = w.events("error")
    assert [e["code"] for e in errors[:5]] == [code for _, code in hostile[:5]]
    assert all(e["recoverable"] for e in errors)
    for event in w.events():
        _strict(event)
    # The deeply nested id is either echoed or refused, but never a crash or a broken line.
    assert len(errors) == 5 or errors[5]["code"] in ("BAD_MESSAGE", "MALFORMED_LINE")
    last = w.stream(silence(0.1))
    w.send({"type": "shutdown"})
    assert w.wait_exit(5) == 0
    assert w.events("ack")[-1]["seq"] == last


def test_bad_seqs_are_dropped_without_moving_the_clock_and_a_run_behind_resyncs(echo_worker: Worker) -> None:
    w = echo_worker
    quiet = silence(0.01)
    bad_data = b'{"type":"audio_frame","seq":5,"data":"***"}\n'
    # 10**20 is beyond uint64; 2**64-1 is a valid seq but an implausible jump; then the stream
    # goes on at 2. Seq 5 has unusable audio: one error, and 6 is no gap. 300 is a gap within the
    # tolerance that moves the clock ahead; 7, 8, 9 then come "behind" and 9 resyncs.
    plan = [0, 1, 10**20, 2**64 - 1, 2, 3, 4, "bad", 6, 300, 7, 8, 9, 10]
    for seq in plan:
        w.send_raw(bad_data if seq == "bad" else w.frame_line(quiet, seq=seq))
    w.send({"type": "shutdown"})
    assert w.wait_exit(5) == 0
    messages = [e["message"] for e in w.events("error")]
    assert len(messages) == 7, messages
    assert "[0, 18446744073709551615]" in messages[0]
    assert "jumps" in messages[1]
    assert "seq 5: data is not valid base64" in messages[2]
    assert "seq gap: expected 7, got 300" in messages[3]
    assert "seq 7 out of order" in messages[4] and "seq 8 out of order" in messages[5]
    assert "resynchronised to seq 9" in messages[6]
    # Acks never cover a seq that was not accepted (10**20, 2**64-1), nor go backwards; whether
    # 300 was acked before the resync depends on heartbeat timing.
    acks = [e["seq"] for e in w.events("ack")]
    assert acks == sorted(acks) and acks[-1] in (10, 300), acks
    stats = w.stats()
    assert stats["frames"] == 9  # 0-4, 6, 300, 9, 10
    assert (stats["seq_jumps_rejected"], stats["seq_resyncs"], stats["seq_reordered"]) == (1, 1, 2)


def test_acks_flow_from_the_first_frame_when_speech_starts_at_seq_0(echo_worker: Worker) -> None:
    w = echo_worker
    audio = espeak("Please open the window because it is very warm in this room")
    t_first = time.monotonic()
    last = w.stream(audio, speed=1.5)
    t_end = time.monotonic()
    w.send({"type": "flush"})
    w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == last, timeout=5)

    start = w.events("speech_start")[0]
    assert start["audio_ms"] == 0, "the utterance should hold the stream's first frame"
    i_final = next(i for i, s in enumerate(w.seen) if s.type == "final_text")
    acks_before = [s for s in w.seen[:i_final] if s.type == "ack"]
    # Nothing is consumed before the final, so the heartbeat says -1, and it says so from the
    # first frame on, at least every 200 ms (+100 ms of slack for a loaded machine).
    assert acks_before and {s.event["seq"] for s in acks_before} == {-1}
    times = [t_first] + [s.t for s in acks_before if s.t <= t_end]
    gaps = np.diff(times)
    assert t_end - t_first > 2.0 and gaps.max() <= 0.3, gaps.round(3).tolist()
