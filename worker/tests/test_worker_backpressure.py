"""A stalled STT engine: input keeps flowing until the ingest queue is full, then a clean, loud exit."""

from __future__ import annotations

import threading
import time

import numpy as np

from worker_harness import BENCH, Worker, concat, silence


def test_stalled_stt_fills_the_ingest_queue_then_reports_and_exits(continuous_speech: np.ndarray) -> None:
    sent: dict[str, float] = {}
    with Worker("--engine", "stall") as w:
        def feed() -> None:
            def ping_after_each_write(seq: int) -> None:  # every 50 frames at full speed
                sent[f"s{seq}"] = w.ping(f"s{seq}")
            try:
                # 40 s of speech, as fast as the pipe takes it: far more than the queues hold.
                w.stream(concat([silence(1.0), continuous_speech, continuous_speech]),
                         between=ping_after_each_write)
            except OSError:
                pass  # the worker exited while we were blocked writing: expected

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        err = w.wait_for(lambda e: e["type"] == "error", timeout=60)
        t_exit_deadline = time.monotonic() + 1.0
        rc = w.wait_exit(5)
        exited_in_time = time.monotonic() <= t_exit_deadline
        feeder.join(5)

    assert err.event["code"] == "INGEST_QUEUE_FULL" and err.event["recoverable"] is False
    assert rc == 4
    assert exited_in_time, "the worker must exit right after reporting INGEST_QUEUE_FULL"

    seen = w.seen
    pongs = [s for s in seen if s.type == "pong"]
    acks = [s for s in seen if s.type == "ack"]
    start = next(s for s in seen if s.type == "speech_start")
    # The STT really stalled: nothing from the first utterance on was ever acknowledged ...
    assert max(a.event["seq"] for a in acks) < start.event["audio_ms"] // 10
    # ... yet the reader kept answering pings long after the pipeline stopped consuming,
    assert sum(p.t > acks[-1].t for p in pongs) >= 20
    # every ping was answered in order up to the point it blocked (the rest sat in the pipe),
    answered = [p.event["id"] for p in pongs]
    assert answered == list(sent)[:len(answered)]
    # and it gave up exactly after its 5 s put timeout: 5-6 s after its last pong.
    stalled_for = err.t - pongs[-1].t
    BENCH["ingest_full_after_last_pong_s"] = round(stalled_for, 3)
    assert 4.9 <= stalled_for <= 6.0, stalled_for
    # The reader read what the bounded queues hold and stopped: at least 1 s of silence the VAD
    # consumed + 100 batches of 100 ms + 500 frames; at most that plus the few seconds the STT
    # thread took in before it hung (it skips partials while behind, so that varies) -- far
    # from the 47 s that were on offer.
    last_answered = max(int(pid[1:]) for pid in answered)
    assert 100 + 1000 + 500 <= last_answered <= 2300, last_answered
