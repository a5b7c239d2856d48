"""Wiring: load the engine, say ready, run reader / VAD / STT threads, exit with a meaningful code."""

from __future__ import annotations

import json
import logging
import os
import queue
import sys
import threading
import time
from dataclasses import replace
from typing import Any, Callable, NoReturn, Sequence

from . import protocol
from .acks import AckHub
from .config import Config, parse_config
from .output import Output
from .pipeline import STT_QUEUE_BATCHES, SttStage, VadStage
from .protocol import ErrorCode, ExitCode
from .reader import INGEST_QUEUE_FRAMES, Reader
from .segmenter import SegmenterConfig
from .stats import Stats
from .engines import Engine, ModelLoadError, catalog, load_engine
from .stt_watchdog import SttWatchdog
from .vad import SpeechClassifier

log = logging.getLogger("voice_worker")

# How often the main thread looks at the STT watchdog: well under any limit it enforces.
WATCHDOG_POLL_S = 0.25


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_config(argv, os.environ)
    # Set before faster-whisper (and huggingface_hub) are imported: they read it at import.
    os.environ["HF_HUB_OFFLINE"] = "1"
    logging.basicConfig(stream=sys.stderr, level=cfg.log_level,
                        format="%(asctime)s voice_worker[%(threadName)s] %(levelname)s %(message)s")
    if cfg.log_level != "DEBUG":
        # faster-whisper logs every transcribe call at INFO: twice a second of noise on stderr.
        logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    stats = Stats()
    output = Output(sys.stdout.buffer, on_closed=lambda: _exit_now(ExitCode.STDOUT_CLOSED))

    def die(code: ErrorCode, message: str, exit_code: int) -> NoReturn:
        log.critical("%s: %s (exit %d)", code, message, exit_code)
        _log_stats(stats, output)
        output.emit(protocol.error(code, message, recoverable=False))
        _exit_now(exit_code)

    engine = _load(cfg, stats, die)
    output.emit(protocol.ready(engine.name, engine.model, getattr(engine, "languages", ("en",)),
                               catalog.described()))

    ingest: queue.Queue = queue.Queue(maxsize=INGEST_QUEUE_FRAMES)
    jobs: queue.Queue = queue.Queue(maxsize=STT_QUEUE_BATCHES)
    acks = AckHub(output)
    watchdog = SttWatchdog(cfg.stt_timeout_s)
    vad: VadStage
    stt = SttStage(engine, jobs, output, acks, stats, cfg.partial_window_s, cfg.partial_every_s, watchdog,
                   timing=cfg.timing, first_partial_s=cfg.first_partial_s,
                   speculation_void=lambda key, utterance, sample: vad.speculation_void(key, utterance, sample),
                   options=cfg.decode, load_model=lambda name: _load_model(cfg, name))
    vad = VadStage(ingest, jobs, output, acks, lambda: SpeechClassifier(cfg.vad_aggressiveness),
                   SegmenterConfig(end_window_ms=cfg.end_silence_ms), stats, stt.publish_speech_end)
    reader = Reader(sys.stdin.buffer, output, ingest, stats, die, on_audio=acks.audio_received)

    def streams() -> dict[str, tuple[int, int]]:
        """Per thread: (streams whose state it holds now, most it held at once)."""
        return {"reader": (reader.open_streams, reader.peak_streams), "vad": (len(vad.streams), vad.streams.peak),
                "stt": (len(stt.streams), stt.streams.peak), "acks": (len(acks), acks.peak)}

    # Daemon threads: after an INGEST_QUEUE_FULL or a crash the process must exit even if the
    # STT thread is stuck inside the model.
    _start("reader", reader.run, die)
    _start("vad", vad.run, die)
    _start("acks", acks.run_heartbeat, die)
    stt_thread = _start("stt", stt.run, die)
    # The STT thread returns once shutdown/EOF has flushed everything through it. Meanwhile this
    # thread is the STT watchdog, so neither a hang during silence nor one during the shutdown
    # flush can keep the worker alive forever.
    while stt_thread.is_alive():
        stt_thread.join(WATCHDOG_POLL_S)
        hung = watchdog.overdue()
        if hung is not None:
            die(ErrorCode.STT_STALLED, hung, ExitCode.STT_STALLED)
    acks.maybe_ack_all(force=True)
    _log_stats(stats, output, streams)
    log.info("shut down cleanly")
    return ExitCode.OK


def _load(cfg: Config, stats: Stats, die: Callable[[ErrorCode, str, int], NoReturn]) -> Engine:
    # A model that hangs while loading must not hang the worker: the supervisor waits for
    # `ready`, and a clear error beats its start timeout.
    watchdog = threading.Timer(cfg.load_timeout_s, die, args=(
        ErrorCode.MODEL_LOAD_FAILED, f"model did not load within {cfg.load_timeout_s:g} s",
        ExitCode.MODEL_LOAD_FAILED))
    watchdog.daemon = True
    watchdog.start()
    t0 = time.monotonic()
    try:
        engine = load_engine(cfg)
    except ModelLoadError as exc:
        die(ErrorCode.MODEL_LOAD_FAILED, str(exc), ExitCode.MODEL_LOAD_FAILED)
    except Exception as exc:  # anything else while loading is still "the model did not load"
        log.exception("unexpected error while loading the engine")
        die(ErrorCode.MODEL_LOAD_FAILED, f"{type(exc).__name__}: {exc}", ExitCode.MODEL_LOAD_FAILED)
    finally:
        watchdog.cancel()
    stats.model_load_s = time.monotonic() - t0
    log.info("engine %s ready: model %s loaded in %.3f s (cpu_threads=%d)",
             engine.name, engine.model, stats.model_load_s, cfg.cpu_threads)
    return engine


def _load_model(cfg: Config, name: str) -> Engine:
    """Another catalog model (or directory) for a stream that names it, on its own engine."""
    entry = catalog.find(name)
    return load_engine(replace(cfg, model=name, engine=entry.engine if entry else cfg.engine))


def _start(name: str, target: Callable[[], None],
           die: Callable[[ErrorCode, str, int], NoReturn]) -> threading.Thread:
    def guarded() -> None:
        try:
            target()
        except BaseException as exc:  # a dead stage would silently stop transcription
            log.exception("%s thread crashed", name)
            die(ErrorCode.INTERNAL_ERROR, f"{name} thread crashed: {exc!r}", ExitCode.INTERNAL_ERROR)

    thread = threading.Thread(target=guarded, name=name, daemon=True)
    thread.start()
    return thread


def _log_stats(stats: Stats, output: Output,
               streams: Callable[[], dict[str, tuple[int, int]]] | None = None) -> None:
    report: dict[str, Any] = stats.report()
    report["events"] = dict(output.counts)
    if streams is not None:
        # A stream's state must go with its flush: after streams flushed one by one the peak
        # stays 1 however many there were, and after shutdown nothing is held.
        tables = streams()
        report["streams_held"] = {name: held for name, (held, _) in tables.items()}
        report["streams_peak"] = {name: peak for name, (_, peak) in tables.items()}
    # One machine-readable line so tests and benchmarks can read the numbers back.
    log.info("stats %s", json.dumps(report, sort_keys=True))


def _exit_now(code: int) -> NoReturn:
    logging.shutdown()
    try:
        sys.stdout.flush()
    except Exception:
        pass
    os._exit(int(code))


def run() -> NoReturn:
    """Console-script entry point (`voice-worker`), same as `python -m voice_worker`."""
    sys.exit(main())
