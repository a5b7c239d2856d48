"""The STT stage in-process, with scripted engines: what it publishes, and in which order."""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable

import numpy as np

from voice_worker import protocol
from voice_worker.acks import AckHub
from voice_worker.pipeline import STOP, SttStage
from voice_worker.segmenter import SpeechAudio, SpeechEnded, SpeechStarted
from voice_worker.stats import Stats
from voice_worker.engines import Transcript
from voice_worker.stt_watchdog import SttWatchdog

SECOND = np.zeros(16000, dtype=np.int16)


class RecordingOutput:
    """Collects events; `hold` can make one kind of event block inside emit until released."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.hold: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    def emit(self, event: dict[str, Any]) -> None:
        if event["type"] == self.hold:
            self.holding.set()
            assert self.release.wait(5)
        self.events.append(event)


class ScriptedEngine:
    name = "scripted"
    model = "none"

    def __init__(self, answer: Callable[[bool], Transcript | None]) -> None:
        self._answer = answer

    def transcribe(self, audio: np.ndarray, *, final: bool, options: object = None) -> Transcript | None:
        return self._answer(final)


def _stage(engine: ScriptedEngine, out: RecordingOutput) -> tuple[SttStage, queue.Queue]:
    jobs: queue.Queue = queue.Queue()
    acks = AckHub(out)  # type: ignore[arg-type]
    stage = SttStage(engine, jobs, out, acks, Stats(), partial_window_s=6.0, partial_every_s=1.0,  # type: ignore[arg-type]
                     watchdog=SttWatchdog())
    return stage, jobs


def _utterance(jobs: queue.Queue, utterance: int = 1) -> None:
    jobs.put(SpeechStarted(utterance, 0, 0))
    jobs.put(SpeechAudio(utterance, SECOND, 16000, 0.0))
    jobs.put(SpeechEnded(utterance, 16000, 0.0))


def test_every_utterance_gets_a_final_even_when_its_text_is_filtered_or_fails() -> None:
    out = RecordingOutput()
    finals = iter([None, RuntimeError("model exploded")])  # filtered out, then a failure

    def answer(final: bool) -> Transcript | None:
        result = next(finals) if final else None
        if isinstance(result, Exception):
            raise result
        return result

    stage, jobs = _stage(ScriptedEngine(answer), out)
    _utterance(jobs, 1)
    jobs.put(SpeechStarted(2, 16000, 100))
    jobs.put(SpeechEnded(2, 16000, 0.0))
    jobs.put(STOP)
    stage.run()
    finals = [e for e in out.events if e["type"] == "final_text"]
    assert [(f["utterance"], f["text"]) for f in finals] == [(1, ""), (2, "")]
    assert all("confidence" not in f for f in finals)
    assert [e["code"] for e in out.events if e["type"] == "error"] == ["STT_FAILED"]


def test_no_partial_is_written_after_its_utterance_speech_end() -> None:
    """The VAD thread's speech_end and the STT thread's "still open? then write the partial" are
    one atomic step each: a speech_end arriving while a partial is being written waits for it,
    and a partial computed after the speech_end is dropped."""
    out = RecordingOutput()
    out.hold = "partial_text"
    stage, jobs = _stage(ScriptedEngine(lambda final: Transcript("hello", 0.9)), out)
    jobs.put(SpeechStarted(1, 0, 0))
    jobs.put(SpeechAudio(1, SECOND, 16000, 0.0))  # 1 s of audio: a partial is due
    stt = threading.Thread(target=stage.run, daemon=True)
    stt.start()
    assert out.holding.wait(5), "the partial was never written"

    # The VAD ends the utterance while the partial is on its way out.
    vad = threading.Thread(target=stage.publish_speech_end, args=(1, protocol.speech_end(1, 1000)), daemon=True)
    vad.start()
    vad.join(0.3)  # without the lock, speech_end would be written in this window, before the partial
    out.release.set()
    vad.join(5)

    # A later partial of the same utterance (computed from audio still queued) is stale.
    out.hold = None
    jobs.put(SpeechAudio(1, SECOND, 32000, 0.0))
    jobs.put(SpeechEnded(1, 32000, 0.0))
    jobs.put(STOP)
    stt.join(5)
    kinds = [e["type"] for e in out.events if e["type"] != "ack"]
    assert kinds == ["partial_text", "speech_end", "final_text"], kinds
