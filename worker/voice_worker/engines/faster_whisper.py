"""The faster-whisper engine: Whisper models in CTranslate2 form, on CPU or CUDA."""

from __future__ import annotations

import logging
import math
import os

import numpy as np

from ..filters import clean_text
from ..protocol import SAMPLE_RATE
from .base import DecodeOptions, ModelLoadError, Transcript, UnservableRequest, Word
from .catalog import whisper_languages

log = logging.getLogger(__name__)

# The temperature fallback of finals: a decode that fails the compression/log-prob gates is
# retried warmer. Partials are previews: one greedy pass.
_FINAL_TEMPERATURES = (0.0, 0.2, 0.4)


def usable_cuda_devices() -> int:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count()
    except Exception:  # no CUDA runtime at all
        return 0


def pick_device(device: str) -> str:
    """cpu, cuda or auto -> the device to load on; cuda without a GPU is a load error."""
    if device == "cpu":
        return "cpu"
    gpus = usable_cuda_devices()
    if gpus > 0:
        return "cuda"
    if device == "cuda":
        raise ModelLoadError("stt.device is cuda but no CUDA device is usable (CTranslate2 sees 0 GPUs, or the "
                             "CUDA libraries are missing: see docs/MODELS.md); set stt.device to cpu or auto")
    log.warning("stt.device is auto and no CUDA device is usable: running on the CPU")
    return "cpu"


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

    def __init__(self, model_dir: str, display_name: str, cpu_threads: int, *, compute_type: str = "int8",
                 device: str = "cpu", defaults: DecodeOptions = DecodeOptions()) -> None:
        self.model = display_name
        if not os.path.isdir(model_dir):
            raise ModelLoadError(f"model directory {model_dir!r} does not exist")
        if not os.path.isfile(os.path.join(model_dir, "model.bin")):
            raise ModelLoadError(f"{model_dir!r} is not a faster-whisper model directory (no model.bin)")
        try:
            from faster_whisper import WhisperModel

            # A directory path plus local_files_only: faster-whisper never consults the hub.
            self.device = pick_device(device)
            self._model = WhisperModel(model_dir, device=self.device, compute_type=compute_type,
                                       cpu_threads=cpu_threads, num_workers=1, local_files_only=True)
            self.multilingual = bool(self._model.model.is_multilingual)
            # faster-whisper claims all 100 codes for any multilingual model; base has 99 (no yue).
            self.languages: tuple[str, ...] = whisper_languages(model_dir) if self.multilingual else ("en",)
            self.check(defaults)
            self._context_frames: int | None = None
            self._encode_full = self._model.encode
            # faster-whisper calls self.encode(segment) on the padded 3000-frame segment.
            self._model.encode = self._encode_trimmed  # type: ignore[method-assign]
            # The first inference pays one-off allocations (~1 s measured); pay it before `ready`
            # rather than on the user's first utterance, for both window sizes. It also proves
            # the weights really run.
            self.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), final=True, options=defaults)
            self.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32), final=False, options=defaults)
        except (ModelLoadError, UnservableRequest) as exc:
            raise ModelLoadError(str(exc)) from exc
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

    def check(self, options: DecodeOptions) -> None:
        """Raises UnservableRequest when this model cannot decode as asked: never English instead."""
        if options.language != "auto" and options.language not in self.languages:
            what = "is English-only" if not self.multilingual else "does not know that language"
            raise UnservableRequest(f"model {self.model} {what}: it cannot transcribe language "
                                    f"{options.language!r} (it serves: {', '.join(self.languages[:12])}"
                                    f"{', ...' if len(self.languages) > 12 else ''})")
        if options.task == "translate" and not self.multilingual:
            raise UnservableRequest(f"model {self.model} is English-only: it cannot translate")

    def _language(self, options: DecodeOptions) -> str | None:
        if options.language != "auto":
            return options.language
        return None if self.multilingual else "en"

    def transcribe(self, audio: np.ndarray, *, final: bool,
                   options: DecodeOptions = DecodeOptions()) -> Transcript | None:
        self._context_frames = self.context_frames(len(audio), final)
        if options.temperature is not None:
            temperature: float | tuple[float, ...] = options.temperature
        else:
            temperature = _FINAL_TEMPERATURES if final else 0.0
        segments, info = self._model.transcribe(
            audio,
            language=self._language(options),
            task=options.task,
            # Beam search costs ~20 % more and fixes many tiny.en errors (measured on espeak-ng
            # speech); partials are previews, so they take the cheap greedy path by default.
            beam_size=options.beam_size if final else options.partial_beam_size,
            temperature=temperature,
            initial_prompt=options.initial_prompt or None,
            hotwords=options.hotwords or None,
            condition_on_previous_text=False,
            no_speech_threshold=self._NO_SPEECH_THRESHOLD,
            log_prob_threshold=self._LOG_PROB_THRESHOLD,
            compression_ratio_threshold=self._COMPRESSION_RATIO_THRESHOLD,
            without_timestamps=True,
            # Word times cost a cross-attention alignment pass: finals only, when asked.
            word_timestamps=final and options.word_timestamps,
            vad_filter=False,  # our VAD already gated this audio
            max_new_tokens=None if final else self._PARTIAL_MAX_TOKENS,
        )
        texts: list[str] = []
        words: list[Word] = []
        logprob_sum = 0.0
        token_count = 0
        no_speech_prob = 0.0
        compression_ratio = 0.0
        temperature_used = 0.0
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
            compression_ratio = max(compression_ratio, seg.compression_ratio)
            temperature_used = max(temperature_used, seg.temperature or 0.0)
            words.extend(Word(w.word, w.start, w.end, w.probability) for w in seg.words or ())
        if not token_count:
            return None
        avg_logprob = logprob_sum / token_count
        text = clean_text("".join(texts), avg_logprob=avg_logprob, no_speech_prob=no_speech_prob)
        if text is None:
            return None
        return Transcript(text, math.exp(avg_logprob), avg_logprob=avg_logprob, no_speech_prob=no_speech_prob,
                          compression_ratio=compression_ratio, temperature=temperature_used,
                          language=info.language, words=tuple(words))
