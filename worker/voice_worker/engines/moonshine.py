"""The moonshine engine: Moonshine base-en on onnxruntime's Python API, greedy decoding.

It runs the int8 ONNX models `make models` converts from moonshine-cpp's shipped weights
(install_moonshine.py); moonshine_cpp itself is never imported (its Python transcribe() is
broken and its C API's memory grows without bound, docs/MODELS.md). Unlike Whisper it takes raw
16 kHz samples with no 30 s padding, so its cost grows with the audio: a partial of a short
window is cheap.

What it can and cannot do, and what transcribe() says about it:
- English only, no language detection: language en or auto (reported as en); others are refused.
- No translation, no prompt or hotwords: a request for them is refused (UnservableRequest),
  never silently ignored.
- Greedy only: temperature is always 0.0 (a requested one is not applied, and the Transcript
  says 0.0). No word or segment timestamps: word_timestamps gives no words.
- avg_logprob is the mean log-probability of the chosen tokens (EOS included, like Whisper);
  confidence = exp(avg_logprob). No no_speech_prob (our VAD decides what is speech) and no
  compression ratio.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..filters import clean_text
from ..protocol import SAMPLE_RATE
from .base import DecodeOptions, ModelLoadError, Transcript, UnservableRequest

BOS, EOS = 1, 2
N_LAYERS, N_HEADS, HEAD_DIM = 8, 8, 52  # base: d_model 416 = 8 heads x 52
# Upstream Moonshine's cap: speech is well under 6 tokens a second, and a decode that reaches the
# cap without EOS is looping.
MAX_TOKENS_PER_SECOND = 6
MIN_AUDIO_S = 0.1  # the encoder's convolutions need a few frames
# Its decoder runs one token at a time through small matrices: extra intra-op threads mostly
# wait. Measured on 2 cores (docs/MODELS.md): a 12 s final took 0.55 CPU s and 1.1 s with one
# thread, 0.65 CPU s and 1.3 s with two; a 29 s one peaked at 376 MB RSS with one, 408 with two.
# So stt.cpu_threads is capped at one for this engine.
MAX_THREADS = 1


def load_tokenizer(path: Path) -> list[bytes]:
    """tokenizer.bin: per id, one length byte then the token's bytes. Ids 3..258 are the
    byte-fallback tokens <0x00>..<0xFF>; U+2581 marks a space."""
    data, i, tokens = path.read_bytes(), 0, []
    while i < len(data):
        n = data[i]
        if n >= 0x80:
            raise ModelLoadError(f"{path}: unexpected long token at byte {i}: not a Moonshine tokenizer.bin")
        tokens.append(data[i + 1:i + 1 + n])
        i += 1 + n
    return tokens


def loop_period(ids: list[int], min_period: int = 4, min_repeat: int = 3) -> int:
    """Smallest p >= min_period with ids[p:] == ids[:-p] (the text restarts itself), else 0.
    Moonshine, like Whisper, can restart the sentence instead of ending it."""
    n = len(ids)
    for p in range(min_period, n - min_repeat + 1):
        if ids[p:] == ids[:n - p]:
            return p
    return 0


class MoonshineEngine:
    name = "moonshine"
    languages: tuple[str, ...] = ("en",)

    def __init__(self, model_dir: str, display_name: str, cpu_threads: int, *,
                 defaults: DecodeOptions = DecodeOptions()) -> None:
        self.model = display_name
        d = Path(model_dir)
        missing = [f for f in ("encoder_model.onnx", "decoder_model_merged.onnx", "tokenizer.bin")
                   if not (d / f).is_file()]
        if missing:
            raise ModelLoadError(f"{model_dir!r} is not a converted Moonshine model directory (no "
                                 f"{', '.join(missing)}): `make models` builds moonshine-base-en")
        try:
            self.check(defaults)
            import onnxruntime as ort

            so = ort.SessionOptions()
            so.intra_op_num_threads = max(1, min(cpu_threads, MAX_THREADS))
            so.inter_op_num_threads = 1
            # The arena keeps the peak of every input length it saw (1.4 GB after a 12 s utterance
            # with the shipped .ort); memory patterns are per input shape, useless for audio of
            # any length. Off, RSS stays ~300 MB at no measurable CPU cost on the int8 model.
            so.enable_cpu_mem_arena = False
            so.enable_mem_pattern = False
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads sleep
            so.log_severity_level = 3
            providers = ["CPUExecutionProvider"]
            self._encoder = ort.InferenceSession(str(d / "encoder_model.onnx"), so, providers=providers)
            self._decoder = ort.InferenceSession(str(d / "decoder_model_merged.onnx"), so, providers=providers)
            self._tokens = load_tokenizer(d / "tokenizer.bin")
            self._kv_names = [f"past_key_values.{i}.{a}.{b}" for i in range(N_LAYERS)
                              for a in ("decoder", "encoder") for b in ("key", "value")]
            # Pays the first run's allocations before `ready`, and proves the weights run.
            self._decode(np.zeros(SAMPLE_RATE, dtype=np.float32))
        except (ModelLoadError, UnservableRequest) as exc:
            raise ModelLoadError(str(exc)) from exc
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/... types
            raise ModelLoadError(f"cannot load the Moonshine model from {model_dir!r}: {exc}") from exc

    def check(self, options: DecodeOptions) -> None:
        """Raises UnservableRequest for what this model cannot do, naming what it can."""
        if options.language not in ("en", "auto"):
            raise UnservableRequest(f"model {self.model} is English-only: it cannot transcribe language "
                                    f"{options.language!r} (it serves: en); the multilingual model is base")
        if options.task == "translate":
            raise UnservableRequest(f"model {self.model} is English-only: it cannot translate")
        if options.initial_prompt or options.hotwords:
            raise UnservableRequest(f"model {self.model} takes no prompt or hotwords: leave them empty, or use "
                                    "a faster-whisper model (tiny.en, base)")

    def transcribe(self, audio: np.ndarray, *, final: bool,
                   options: DecodeOptions = DecodeOptions()) -> Transcript | None:
        self.check(options)
        if len(audio) < MIN_AUDIO_S * SAMPLE_RATE:
            return None
        ids, logprobs = self._decode(audio)
        if not logprobs:
            return None
        avg_logprob = float(np.mean(logprobs))
        text = clean_text(self._text(ids), avg_logprob=avg_logprob, no_speech_prob=None)
        if text is None:
            return None
        return Transcript(text, math.exp(avg_logprob), avg_logprob=avg_logprob, temperature=0.0, language="en")

    def _decode(self, audio: np.ndarray) -> tuple[list[int], list[float]]:
        """Greedy tokens and their log-probabilities (EOS's included when it came)."""
        samples = np.ascontiguousarray(audio, dtype=np.float32).reshape(1, -1)
        hidden = self._encoder.run(None, {"input_values": samples})[0]
        past = {k: np.zeros((1, N_HEADS, 0, HEAD_DIM), np.float32) for k in self._kv_names}
        max_tokens = max(1, math.ceil(samples.shape[1] / SAMPLE_RATE * MAX_TOKENS_PER_SECOND))
        ids: list[int] = []
        logprobs: list[float] = []
        token = BOS
        for step in range(max_tokens):
            logits, *present = self._decoder.run(None, {
                "input_ids": np.array([[token]], np.int64), "encoder_hidden_states": hidden,
                "use_cache_branch": np.array([step > 0]), **past})
            row = logits[0, -1].astype(np.float64)
            token = int(row.argmax())
            top = row[token]
            logprobs.append(float(-math.log(np.exp(row - top).sum())))  # log_softmax at the argmax
            if token == EOS:
                return ids, logprobs
            ids.append(token)
            for key, value in zip(self._kv_names, present):
                if step == 0 or ".decoder." in key:  # the cross-attention cache is fixed after step 0
                    past[key] = value
        period = loop_period(ids)  # the cap without EOS: usually a restarted sentence
        if period:
            ids, logprobs = ids[:period], logprobs[:period]
        return ids, logprobs

    def _text(self, ids: list[int]) -> str:
        raw = b"".join(self._tokens[t] for t in ids if 2 < t < len(self._tokens))
        return raw.decode("utf-8", "replace").replace("\u2581", " ").strip()

