"""In-process checks of the pure pieces: segmenter rules, re-chunking, bounded lines, text filters."""

from __future__ import annotations

import io

import numpy as np

from voice_worker.filters import clean_text, is_repetition_loop
from voice_worker.lines import read_line
from voice_worker.segmenter import NoSpeech, Segmenter, SegmenterConfig, SpeechEnded, SpeechStarted
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


def test_filters_drop_empty_and_looping_text_but_keep_speech() -> None:
    assert clean_text("  ...  ") is None
    assert is_repetition_loop("you you you you you")
    assert is_repetition_loop("Thank you. Thank you. Thank you. Thank you.")
    assert clean_text(" Please open the window, it is warm. ") == "Please open the window, it is warm."
    assert not is_repetition_loop("no no no, I said that the the report is due")
