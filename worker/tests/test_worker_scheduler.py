"""The STT scheduler's policy on its own (scheduler.py): finals first, each stream in order, partials last."""

from __future__ import annotations

import queue
import threading
import time

import numpy as np

from voice_worker.acks import AckHub
from voice_worker.pipeline import STOP, Job, SttStage
from voice_worker.stats import Stats
from voice_worker.streams import StreamRef
from voice_worker.engines import Transcript
from voice_worker.stt_watchdog import SttWatchdog
from voice_worker.scheduler import CloseStream, RunJob, RunStop, SttScheduler
from voice_worker.segmenter import SpeechAudio, SpeechEnded, SpeechPaused, SpeechStarted

AUDIO = np.zeros(1600, dtype=np.int16)


def _drain(s: SttScheduler) -> list[tuple[int, str]]:
    """Everything runnable now, as (stream, what)."""
    out: list[tuple[int, str]] = []
    while (pick := s.next()) is not None:
        if isinstance(pick, RunStop):
            out.append((-1, "stop"))
            break
        out.append((pick.key, type(pick.job).__name__) if isinstance(pick, RunJob) else (pick.key, "partial"))
    return out


def test_a_final_of_another_stream_runs_before_a_waiting_partial() -> None:
    s: SttScheduler = SttScheduler()
    s.push(1, SpeechStarted(1, 0, 0))
    s.push(1, SpeechAudio(1, AUDIO, 1600, 0.0))
    assert _drain(s) == [(1, "SpeechStarted"), (1, "SpeechAudio")]
    s.request_partial(1)  # stream 1's partial is due ...
    s.push(2, SpeechEnded(3, 8000, 0.0))  # ... when stream 2's utterance ends
    s.push(3, SpeechPaused(1, 4000, 0.0))
    assert _drain(s) == [(2, "SpeechEnded"), (3, "SpeechPaused"), (1, "partial")]


def test_cheap_jobs_go_first_but_each_stream_keeps_its_order() -> None:
    s: SttScheduler = SttScheduler()
    s.push(1, SpeechEnded(1, 1600, 0.0))
    s.push(1, SpeechStarted(2, 1600, 10))  # behind stream 1's final: must wait for it
    s.push(2, SpeechAudio(1, AUDIO, 1600, 0.0))
    s.push(1, CloseStream())
    s.push(2, SpeechEnded(1, 1600, 0.0))
    assert _drain(s) == [(2, "SpeechAudio"), (1, "SpeechEnded"), (1, "SpeechStarted"), (1, "CloseStream"),
                         (2, "SpeechEnded")]
    assert s.pending() == 0


def test_finals_of_several_streams_run_oldest_first() -> None:
    s: SttScheduler = SttScheduler()
    for key in (3, 1, 2):
        s.push(key, SpeechEnded(1, 1600, 0.0))
    assert [k for k, _ in _drain(s)] == [3, 1, 2]


def test_partials_are_coalesced_dropped_at_their_final_and_counted() -> None:
    s: SttScheduler = SttScheduler()
    s.request_partial(1)
    s.request_partial(1)  # coalesced: one decode will cover both
    s.request_partial(2)
    s.cancel_partial(2)  # stream 2's utterance ended: the final supersedes it
    s.cancel_partial(3)  # nothing waiting: nothing skipped
    assert s.partials_skipped == 2
    assert _drain(s) == [(1, "partial")]
    s.request_partial(1)
    s.request_partial(2)
    assert _drain(s) == [(1, "partial"), (2, "partial")]  # the longest due first
    assert s.partials_skipped == 2


def test_stop_waits_for_every_stream_and_drops_the_partials() -> None:
    s: SttScheduler = SttScheduler()
    s.push(1, SpeechEnded(1, 1600, 0.0))
    s.request_partial(2)
    s.stop()
    assert _drain(s) == [(1, "SpeechEnded"), (-1, "stop")]
    assert s.partials_skipped == 1


def test_nothing_runnable_is_none_and_empty_lanes_are_forgotten() -> None:
    s: SttScheduler = SttScheduler()
    assert s.next() is None
    for key in range(100):
        s.push(key, CloseStream())
    _drain(s)
    assert s.pending() == 0 and not s._lanes  # closed streams leave nothing behind


class _Calls:
    """An engine that records (final, samples) per call, and an output that keeps events."""

    name = "calls"
    model = "none"

    def __init__(self) -> None:
        self.calls: list[tuple[bool, int]] = []
        self.events: list[dict] = []

    def transcribe(self, audio: np.ndarray, *, final: bool, options: object = None) -> Transcript | None:
        self.calls.append((final, len(audio)))
        return Transcript(f"{len(audio)}", 0.9)

    def emit(self, event: dict) -> None:
        self.events.append(event)


def test_the_stt_stage_decodes_a_final_of_one_stream_before_a_due_partial_of_another() -> None:
    a, b = StreamRef(1, "a"), StreamRef(2, "b")
    fake = _Calls()
    jobs: queue.Queue = queue.Queue()
    stage = SttStage(fake, jobs, fake, AckHub(fake), Stats(), 6.0, 1.0, SttWatchdog())  # type: ignore[arg-type]
    second, half = np.zeros(16000, dtype=np.int16), np.zeros(8000, dtype=np.int16)
    for job in (Job(a, SpeechStarted(1, 0, 0)), Job(a, SpeechAudio(1, second, 16000, 0.0)),  # a's partial is due
                Job(b, SpeechStarted(1, 0, 0)), Job(b, SpeechAudio(1, half, 8000, 0.0)),
                Job(b, SpeechEnded(1, 8000, 0.0)), Job(b, CloseStream())):
        jobs.put(job)
    stt = threading.Thread(target=stage.run, daemon=True)
    stt.start()
    deadline = time.monotonic() + 10
    while len(fake.calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    jobs.put(STOP)
    stt.join(10)
    assert fake.calls == [(True, 8000), (False, 16000)]  # b's final first, then a's partial
    kinds = [(e["type"], e.get("stream")) for e in fake.events if e["type"] != "ack"]
    assert kinds == [("final_text", "b"), ("stream_closed", "b"), ("partial_text", "a")]
    assert len(stage.streams) == 1  # b is forgotten, a is still open
