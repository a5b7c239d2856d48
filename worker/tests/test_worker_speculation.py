"""Speculative finals: the segmenter's pause events, and the STT stage keeping or redoing the decode.

Pure logic with scripted engines; the real model's end-to-end behaviour is covered by
test_worker_transcription.py and measured by bench/user_latency.py.
"""

from __future__ import annotations

import queue
from typing import Any

import numpy as np

from voice_worker.acks import AckHub
from voice_worker.pipeline import STOP, SttStage
from voice_worker.segmenter import (NoSpeech, Segmenter, SegmenterConfig, SpeechAudio, SpeechEnded, SpeechPaused,
                                    SpeechStarted)
from voice_worker.stats import Stats
from voice_worker.streams import DEFAULT
from voice_worker.engines import Transcript
from voice_worker.engines.faster_whisper import FasterWhisperEngine
from voice_worker.stt_watchdog import SttWatchdog
from voice_worker.vad import FRAME_SAMPLES, Chunk

QUIET = np.zeros(FRAME_SAMPLES, dtype=np.int16)


def _feed(seg: Segmenter, pattern: list[bool], start: int = 0) -> list:
    events = []
    for i, voiced in enumerate(pattern, start):
        events += seg.push(Chunk(QUIET, i, i, i * FRAME_SAMPLES, 0.0), voiced)
    return events


def test_a_pause_of_200ms_is_reported_and_named_by_the_end_when_no_speech_follows() -> None:
    seg = Segmenter(SegmenterConfig(), speech_pending=lambda: False)
    events = _feed(seg, [False] * 50 + [True] * 100 + [False] * 60)
    pauses = [e for e in events if isinstance(e, SpeechPaused)]
    ends = [e for e in events if isinstance(e, SpeechEnded)]
    assert len(pauses) == 1 and len(ends) == 1
    assert pauses[0].end_sample == (150 + 20) * FRAME_SAMPLES  # 20 unvoiced chunks after the last voiced one
    assert ends[0].speculation == pauses[0].end_sample
    # Every chunk up to the pause went to the STT before the pause event: the speculative decode
    # sees exactly the audio up to it.
    before = events[:events.index(pauses[0])]
    assert [e for e in before if isinstance(e, SpeechAudio)][-1].end_sample == pauses[0].end_sample
    assert ends[0].end_sample > pauses[0].end_sample


def test_speech_after_the_pause_voids_it_and_the_next_pause_counts() -> None:
    seg = Segmenter(SegmenterConfig(), speech_pending=lambda: False)
    events = _feed(seg, [False] * 50 + [True] * 100 + [False] * 25)  # paused at 170
    first = [e for e in events if isinstance(e, SpeechPaused)]
    assert len(first) == 1 and not seg.speculation_void(first[0].utterance, first[0].end_sample)
    events = _feed(seg, [True] * 30 + [False] * 60, start=175)  # the speaker goes on, then stops
    assert seg.speculation_void(first[0].utterance, first[0].end_sample) is False  # utterance is over now
    second = [e for e in events if isinstance(e, SpeechPaused)]
    ends = [e for e in events if isinstance(e, SpeechEnded)]
    assert len(second) == 1 and len(ends) == 1
    assert ends[0].speculation == second[0].end_sample == (205 + 20) * FRAME_SAMPLES


def test_one_voiced_blip_after_the_pause_keeps_it_but_speech_voids_it() -> None:
    seg = Segmenter(SegmenterConfig(), speech_pending=lambda: False)
    events = _feed(seg, [False] * 50 + [True] * 100 + [False] * 25 + [True] + [False] * 60)
    pause = next(e for e in events if isinstance(e, SpeechPaused))
    end = next(e for e in events if isinstance(e, SpeechEnded))
    assert end.speculation == pause.end_sample  # 10 ms of "voice" in silence is not speech going on
    seg = Segmenter(SegmenterConfig(), speech_pending=lambda: False)
    events = _feed(seg, [False] * 50 + [True] * 100 + [False] * 25 + [True] * 2)
    pause = next(e for e in events if isinstance(e, SpeechPaused))
    assert seg.speculation_void(pause.utterance, pause.end_sample)


def test_no_speech_comes_13_s_after_the_last_voiced_chunk_and_once() -> None:
    seg = Segmenter(SegmenterConfig(), speech_pending=lambda: False)
    events = _feed(seg, [False] * 50 + [True] * 100 + [False] * 400)
    no_speech = [e for e in events if isinstance(e, NoSpeech)]
    # One in the lead-in silence is impossible (only 0.5 s), one after the speech: 1.2 s after
    # the last voiced chunk plus the 100 ms allowed for webrtcvad missing the word's fading end.
    assert [e.end_sample for e in no_speech] == [(150 + 130) * FRAME_SAMPLES]


def test_no_speech_held_by_a_pending_final_is_not_released_on_voiced_audio() -> None:
    pending = [True]
    seg = Segmenter(SegmenterConfig(), speech_pending=lambda: pending[0])
    _feed(seg, [False] * 300)
    pending[0] = False
    events = _feed(seg, [True] * 3, start=300)  # the final is written just as a word starts
    assert not any(isinstance(e, NoSpeech) for e in events)


# --- the STT stage ---------------------------------------------------------------------------------

class Out:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, event: dict[str, Any]) -> None:
        self.events.append(event)


class CountingEngine:
    name = "counting"
    model = "none"

    def __init__(self) -> None:
        self.calls: list[tuple[bool, int]] = []

    def transcribe(self, audio: np.ndarray, *, final: bool, options: object = None) -> Transcript | None:
        self.calls.append((final, len(audio)))
        return Transcript(f"{'final' if final else 'partial'} {len(audio)}", 0.9)


class NeverBehind(queue.Queue):
    """Jobs are all queued up front; to the stage they look like they arrive in real time."""

    def empty(self) -> bool:
        return True

    def get_nowait(self) -> Any:
        raise queue.Empty  # the stage sees one job at a time, as they arrive


def _run(jobs: list, void: bool = False) -> tuple[Out, CountingEngine, Stats]:
    out, engine, stats = Out(), CountingEngine(), Stats()
    q: queue.Queue = NeverBehind()
    hub = AckHub(out)  # type: ignore[arg-type]
    acks = hub.tracker(DEFAULT)
    acks.utterance_opened(1, 0)
    acks.set_vad_floor(1000)
    stage = SttStage(engine, q, out, hub, stats, 6.0, 1.0, SttWatchdog(),  # type: ignore[arg-type]
                     speculation_void=lambda key, utterance, sample: void)
    for job in jobs + [STOP]:
        q.put(job)
    stage.run()
    return out, engine, stats


HALF = np.zeros(8000, dtype=np.int16)


def test_a_speculative_final_that_stands_is_the_final_and_is_not_decoded_again() -> None:
    out, engine, stats = _run([SpeechStarted(1, 0, 0), SpeechAudio(1, HALF, 8000, 0.0, 0),
                               SpeechPaused(1, 8000, 0.0), SpeechAudio(1, HALF, 16000, 0.0, 50),
                               SpeechEnded(1, 16000, 0.0, 0.0, speculation=8000)])
    assert engine.calls == [(True, 8000)]  # one decode, over the audio up to the pause
    finals = [e for e in out.events if e["type"] == "final_text"]
    assert [(f["text"], f["start_ms"], f["end_ms"]) for f in finals] == [("final 8000", 0, 1000)]
    # The ack covering the utterance comes only after its final.
    kinds = [e["type"] for e in out.events]
    assert kinds.index("final_text") < kinds.index("ack")
    assert stats.speculations == stats.finals_speculative == 1


def test_a_speculation_voided_by_more_speech_is_redone_over_the_whole_utterance() -> None:
    out, engine, stats = _run([SpeechStarted(1, 0, 0), SpeechAudio(1, HALF, 8000, 0.0, 0),
                               SpeechPaused(1, 8000, 0.0), SpeechAudio(1, HALF, 16000, 0.0, 0),
                               SpeechEnded(1, 16000, 0.0, 0.0, speculation=None)])
    assert engine.calls == [(True, 8000), (False, 16000), (True, 16000)]  # speech went on: a partial, then the final
    assert [e["text"] for e in out.events if e["type"] == "final_text"] == ["final 16000"]
    assert stats.finals_speculative == 0 and stats.report()["speculations_wasted"] == 1


def test_a_pause_already_voided_when_picked_up_is_not_decoded() -> None:
    out, engine, _ = _run([SpeechStarted(1, 0, 0), SpeechAudio(1, HALF, 8000, 0.0, 0),
                           SpeechPaused(1, 8000, 0.0), SpeechEnded(1, 8000, 0.0, 0.0, speculation=None)],
                          void=True)
    assert engine.calls == [(True, 8000)]  # only the real final
    assert len([e for e in out.events if e["type"] == "final_text"]) == 1


def test_partials_wait_while_the_utterance_tail_is_unvoiced() -> None:
    second = np.zeros(16000, dtype=np.int16)
    _, engine, stats = _run([SpeechStarted(1, 0, 0), SpeechAudio(1, second, 16000, 0.0, 12),
                             SpeechAudio(1, HALF, 24000, 0.0, 0), SpeechEnded(1, 24000, 0.0)])
    assert engine.calls == [(False, 24000), (True, 24000)]  # postponed once, then run
    assert stats.partials_postponed == 1


def test_encoder_context_is_cut_to_the_audio_with_a_floor() -> None:
    ctx = FasterWhisperEngine.context_frames
    assert ctx(3 * 16000, final=True) == 2000  # 20 s floor for finals
    assert ctx(3 * 16000, final=False) == 1000  # 10 s floor for partials
    assert ctx(25 * 16000, final=True) == 2700  # audio + 2 s
    assert ctx(29 * 16000, final=True) is None  # Whisper's full 30 s window
