"""How a stream is decoded: the worker's stt.* settings (config.py), or a stream's own
(its stream_options line, pipeline.py). A plain value, read by every engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DecodeOptions:
    """How one call decodes: the worker's stt.* settings, or a stream's own."""

    language: str = "auto"  # a code, or auto: detected (an English-only model: en)
    task: str = "transcribe"
    beam_size: int = 5
    partial_beam_size: int = 1
    initial_prompt: str = ""
    hotwords: str = ""
    temperature: float | None = None  # None: the engine's fallback schedule
    word_timestamps: bool = False
