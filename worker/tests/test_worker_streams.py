"""Protocol v2 through a real worker process: several streams at once, one model, v1 lines beside them."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest

from conftest import MORE_SENTENCES, SENTENCES
from worker_harness import FRAME, RATE, Worker, concat, espeak, norm_words, silence, wer


def frame_line(stream: str, seq: int, samples: np.ndarray) -> bytes:
    msg: dict[str, Any] = {"type": "audio_frame"}
    if stream:
        msg["stream"] = stream
    msg.update(seq=seq, data=base64.b64encode(samples.astype("<i2").tobytes()).decode(),
               sample_rate=RATE, channels=1)
    return (json.dumps(msg) + "\n").encode()


def frames_of(audio: np.ndarray) -> list[np.ndarray]:
    return [audio[i:i + FRAME] for i in range(0, len(audio) - FRAME + 1, FRAME)]


def flush_line(stream: str) -> bytes:
    return (json.dumps({"type": "flush", "stream": stream} if stream else {"type": "flush"}) + "\n").encode()


def of(events: list[dict[str, Any]], stream: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [e for e in events if e.get("stream", "") == stream and (kind is None or e["type"] == kind)]


@pytest.mark.real_model
def test_interleaved_streams_get_only_their_own_words_acks_and_utterance_numbers() -> None:
    """Streams a and b and the default stream (v1 lines) interleaved frame by frame. a is
    flushed while b and the default stream go on; each gets exactly its own transcript."""
    text = {"a": SENTENCES[0], "b": SENTENCES[1] + " " + MORE_SENTENCES[1], "": SENTENCES[2]}
    audio = {
        "a": concat([silence(0.3), espeak(SENTENCES[0]), silence(0.8)]),
        "b": concat([silence(0.3), espeak(SENTENCES[1]), silence(0.8), espeak(MORE_SENTENCES[1]), silence(0.8)]),
        "": concat([silence(0.3), espeak(SENTENCES[2]), silence(0.8)]),
    }
    frames = {name: frames_of(a) for name, a in audio.items()}
    with Worker() as w:
        for i in range(max(len(f) for f in frames.values())):
            w.send_raw(b"".join(frame_line(name, i, f[i]) for name, f in frames.items() if i < len(f)))
            if i == len(frames["a"]) - 1:
                w.send_raw(flush_line("a"))  # b and the default stream keep sending
            if i % 50 == 49:
                w.ping(f"p{i}")  # pongs stay global, answered while streams flow
        closed_a = w.wait_for(lambda e: e == {"type": "stream_closed", "stream": "a"}, 120)
        w.send_raw(flush_line("b") + flush_line(""))
        w.wait_for(lambda e: e == {"type": "stream_closed", "stream": "b"}, 120)
        w.wait_for(lambda e: e["type"] == "final_text" and "stream" not in e
                   and len(norm_words(e["text"])) > 3, 60)
        w.send({"type": "shutdown"})
        assert w.wait_exit(60) == 0
        events = w.events()

    for name, sentence in text.items():
        finals = of(events, name, "final_text")
        said = " ".join(f["text"] for f in finals)
        assert wer(sentence, said) < 0.4, (name, said)
        # No distinctive word of another stream's speech leaks into this one.
        others = {w for other, s in text.items() if other != name for w in norm_words(s)}
        leaked = set(norm_words(said)) & (others - set(norm_words(sentence)))
        assert not leaked, (name, said, leaked)
        # Utterances count per stream from 1, every speech_start gets its final.
        starts = [e["utterance"] for e in of(events, name, "speech_start")]
        assert starts == list(range(1, len(starts) + 1)) and starts
        assert [f["utterance"] for f in finals] == starts
        # This stream's acks cover all its frames, counted per stream.
        acks = of(events, name, "ack")
        assert acks[-1]["seq"] == len(frames[name]) - 1 and acks[-1]["received"] == len(frames[name]), acks[-3:]
        assert [a["seq"] for a in acks] == sorted(a["seq"] for a in acks)
    # a closed after its final and its last ack, while b went on: b has a final after it.
    i_closed = events.index(closed_a.event)
    assert all(events.index(e) <= i_closed for e in of(events, "a"))  # stream_closed is its last
    assert any(events.index(e) > i_closed for e in of(events, "b", "final_text"))
    assert len([e for e in events if e["type"] == "stream_closed"]) == 2  # none for the default stream
    assert all(e.get("stream", "x") != "" for e in events)  # the default stream's events are v1 lines
    longest = max(len(f) for f in frames.values())
    assert [e["id"] for e in events if e["type"] == "pong"] == [f"p{i}" for i in range(49, longest, 50)]
    assert not [e for e in events if e["type"] == "error"]


def test_seq_counts_per_stream_and_starts_again_after_stream_closed(echo_worker: Worker) -> None:
    w = echo_worker
    tone = (np.sin(np.arange(FRAME) * 0.2) * 3000).astype(np.int16)
    w.send_raw(b"".join(frame_line(s, seq, tone) for seq in range(30) for s in ("x", "y")))
    w.send_raw(flush_line("x"))
    w.wait_for(lambda e: e == {"type": "stream_closed", "stream": "x"}, 20)
    mark = w.mark()
    w.send_raw(b"".join(frame_line("x", seq, tone) for seq in range(10)) + flush_line("x") + flush_line("y"))
    w.wait_for(lambda e: e == {"type": "stream_closed", "stream": "x"}, 20, since=mark)
    w.wait_for(lambda e: e == {"type": "stream_closed", "stream": "y"}, 20, since=mark)
    events = w.events()
    assert not [e for e in events if e["type"] == "error"]  # seq 0 again after the close is no gap
    after = w.events(since=mark)
    assert of(after, "x", "ack")[-1] == {"type": "ack", "stream": "x", "seq": 9, "received": 10}
    assert of(events, "y", "ack")[-1] == {"type": "ack", "stream": "y", "seq": 29, "received": 30}


def test_shutdown_finishes_and_closes_every_open_stream() -> None:
    speech = concat([silence(0.2), espeak("Good morning everyone")])  # still speaking at shutdown
    with Worker("--engine", "echo") as w:
        w.send_raw(b"".join(frame_line(s, i, f) for i, f in enumerate(frames_of(speech)) for s in ("p", "q", "")))
        w.send({"type": "shutdown"})
        assert w.wait_exit(20) == 0
        events = w.events()
    for name in ("p", "q", ""):
        assert [e["utterance"] for e in of(events, name, "final_text")] == [1], name
        assert of(events, name, "ack")[-1]["seq"] == len(frames_of(speech)) - 1
    closed = [e for e in events if e["type"] == "stream_closed"]
    assert sorted(e["stream"] for e in closed) == ["p", "q"]
    for e in closed:  # each after its stream's final and last ack
        assert events.index(e) > max(events.index(x) for x in of(events, e["stream"]) if x is not e)


def test_a_bad_stream_id_is_a_recoverable_error_and_the_worker_goes_on(echo_worker: Worker) -> None:
    w = echo_worker
    tone = np.zeros(FRAME, dtype=np.int16)
    w.send_raw(frame_line("no spaces allowed", 0, tone) + frame_line("x" * 65, 0, tone))
    w.send({"type": "flush", "stream": ""})
    w.send_raw(frame_line("ok", 0, tone) + flush_line("ok"))
    w.wait_for(lambda e: e == {"type": "stream_closed", "stream": "ok"}, 20)
    errors = w.events("error")
    assert [(e["code"], e["recoverable"], "stream" in e) for e in errors] == \
        [("BAD_FRAME", True, False), ("BAD_FRAME", True, False), ("BAD_MESSAGE", True, False)]
    assert "no spaces allowed" in errors[0]["message"] and "1-64 characters" in errors[0]["message"]
    assert w.events("ack")[-1] == {"type": "ack", "stream": "ok", "seq": 0, "received": 1}
    # A frame error of a valid stream names it.
    w.send_raw(b'{"type":"audio_frame","stream":"ok","seq":0,"data":"!!","sample_rate":16000,"channels":1}\n')
    err = w.wait_for(lambda e: e["type"] == "error" and e.get("stream") == "ok", 20).event
    assert err["code"] == "BAD_FRAME"


def test_a_flushed_stream_leaves_no_state_behind() -> None:
    """40 streams, one after the other, each flushed: the worker never holds more than one."""
    speech = concat([silence(0.2), espeak("Hello there"), silence(0.6)])
    with Worker("--engine", "echo") as w:
        for n in range(40):
            name = f"s{n}"
            w.send_raw(b"".join(frame_line(name, i, f) for i, f in enumerate(frames_of(speech))) + flush_line(name))
            w.wait_for(lambda e, name=name: e == {"type": "stream_closed", "stream": name}, 20)
        w.send({"type": "shutdown"})
        assert w.wait_exit(20) == 0
        stats = w.stats()
        finals = w.events("final_text")
    assert len({f["stream"] for f in finals}) == 40 and {f["utterance"] for f in finals} == {1}
    assert stats["streams_opened"] == stats["streams_closed"] == 40
    assert stats["streams_peak"] == {"reader": 1, "vad": 1, "stt": 1, "acks": 1}, stats["streams_peak"]
    assert stats["streams_held"] == {"reader": 0, "vad": 0, "stt": 0, "acks": 0}
