"""A stalled STT engine: input keeps flowing until the ingest queue is full, then a clean, loud exit."""

from __future__ import annotations

import threading
import time

import numpy as np

from worker_harness import BENCH, Worker, concat, espeak, silence

# Partials over at most 0.3 s of audio, so the watchdog's limit is the --stt-timeout floor
# (5 x 0.3 s < 2 s) and these tests stay short.
FAST_WATCHDOG = ("--engine", "stall", "--stt-timeout", "2", "--partial-window", "0.3", "--partial-every", "0.3")


def test_stalled_stt_fills_the_ingest_queue_then_reports_and_exits(continuous_speech: np.ndarray) -> None:
    sent: dict[str, float] = {}
    offered = concat([silence(1.0), continuous_speech, continuous_speech])
    with Worker("--engine", "stall") as w:
        def feed() -> None:
            def ping_after_each_write(seq: int) -> None:  # every 50 frames at full speed
                sent[f"s{seq}"] = w.ping(f"s{seq}")
            try:
                # 40 s of speech, as fast as the pipe takes it: far more than the queues hold.
                w.stream(offered, between=ping_after_each_write)
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
    # ... yet the reader kept answering pings long after the pipeline stopped consuming (from the
    # utterance's start on; acks are heartbeats now, so the last ack no longer marks that point),
    assert sum(p.t > start.t for p in pongs) >= 20
    # every ping was answered in order up to the point it blocked (the rest sat in the pipe),
    answered = [p.event["id"] for p in pongs]
    assert answered == list(sent)[:len(answered)]
    # and it gave up exactly after its 5 s put timeout: 5-6 s after its last pong.
    stalled_for = err.t - pongs[-1].t
    BENCH["ingest_full_after_last_pong_s"] = round(stalled_for, 3)
    assert 4.9 <= stalled_for <= 6.0, stalled_for
    # The reader read what the bounded queues hold and stopped: at least 1 s of silence the VAD
    # consumed + 100 batches of 100 ms + 500 frames; beyond that, the seconds the STT thread took
    # in before it hung, which vary with the machine's load (it skips partials while behind: 24.5 s
    # were read on a busy CI machine). An unbounded reader would take all that was on offer, so
    # the bound is "stopped well short of it": at least 10 s of audio left unread.
    # A ping is named after the last seq written before it (0-based), so the reader had taken in
    # that seq + 1 frames when it answered.
    frames_read = max(int(pid[1:]) for pid in answered) + 1
    frames_offered = len(offered) // 160
    assert 100 + 1000 + 500 <= frames_read <= frames_offered - 1000, (frames_read, frames_offered)


def test_stt_hang_during_silence_is_detected_by_the_watchdog() -> None:
    """Silence creates no STT jobs, so nothing backs up into the ingest queue: only the clock
    can tell that the model hung."""
    speech = concat([espeak("Please open the window because it is very warm"), silence(0.6)])
    with Worker(*FAST_WATCHDOG) as w:
        w.stream(speech[:4 * 16000], speed=4.0)
        t_speech_sent = time.monotonic()
        w.stream(silence(30.0))
        err = w.wait_for(lambda e: e["type"] == "error", timeout=15)
        rc = w.wait_exit(5)
    assert err.event["code"] == "STT_STALLED" and err.event["recoverable"] is False, err.event
    assert "limit 2 s" in err.event["message"]
    assert rc == 6
    # The first partial hung within the 1 s of speech streamed; limit 2 s, polled every 0.25 s.
    detected_after = err.t - t_speech_sent
    BENCH["stt_stalled_after_speech_s"] = round(detected_after, 3)
    assert detected_after <= 4.0, detected_after
    assert not w.events("final_text")


def test_eof_with_a_hung_stt_exits_with_stt_stalled_instead_of_hanging() -> None:
    with Worker(*FAST_WATCHDOG) as w:
        w.stream(concat([espeak("Please open the window"), silence(0.2)]), speed=4.0)
        w.wait_for(lambda e: e["type"] == "speech_start", timeout=5)
        t_eof = time.monotonic()
        w.proc.stdin.close()
        rc = w.wait_exit(10)
        took = time.monotonic() - t_eof
        err = w.wait_for(lambda e: e["type"] == "error", timeout=1)
    assert rc == 6 and err.event["code"] == "STT_STALLED", (rc, err.event)
    assert took <= 4.0, took


def test_acks_keep_coming_while_the_vad_thread_is_blocked_behind_a_hung_stt(continuous_speech: np.ndarray) -> None:
    """The ack heartbeat has its own thread: it is not silenced when the VAD thread blocks on a
    full STT queue. The speech starts at seq 0 and nothing is ever consumed, so every ack is -1."""
    with Worker("--engine", "stall", "--stt-timeout", "60") as w:
        t_first = time.monotonic()
        # 2.5x: the STT queue (10 s of speech) is full after ~4.5 s of wall time; 15 s of audio
        # end at 6 s, before the ingest queue (5 s more) fills.
        w.stream(continuous_speech[:15 * 16000], speed=2.5)
        t_end = time.monotonic()
        assert w.proc.poll() is None
        acks = [s for s in w.seen if s.type == "ack" and s.t <= t_end]
    assert {a.event["seq"] for a in acks} == {-1}
    gaps = np.diff([t_first] + [a.t for a in acks])
    assert t_end - t_first >= 5.5 and gaps.max() <= 0.3, gaps.round(3).tolist()
