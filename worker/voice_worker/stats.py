"""Counters for the exit report on stderr. Each field has a single writing thread, so no lock."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from . import protocol


@dataclass(slots=True)
class Stats:
    # reader thread
    lines: int = 0
    frames: int = 0
    frames_dropped: int = 0  # malformed or out of order
    seq_gaps: int = 0
    seq_missing: int = 0
    seq_reordered: int = 0
    seq_jumps_rejected: int = 0
    seq_resyncs: int = 0
    recoverable_errors: int = 0
    streams_opened: int = 0  # named streams (protocol v2) that got a frame
    # VAD thread
    audio_samples: int = 0
    utterances: int = 0
    no_speech: int = 0
    # STT thread
    partials: int = 0
    # Due partials never decoded: coalesced into a later one, or superseded by their final,
    # because work leading to a final (of any stream) went first (scheduler.py).
    partials_skipped_behind: int = 0
    partials_postponed: int = 0  # the utterance's tail was unvoiced: its final may be next
    speculations: int = 0  # finals decoded at a pause, before the end was known
    finals_speculative: int = 0  # ... of which the utterance did end there (the rest were wasted)
    finals: int = 0
    finals_empty: int = 0
    streams_closed: int = 0  # named streams whose flush ended in stream_closed
    partial_busy_s: float = 0.0
    partial_audio_s: float = 0.0
    final_busy_s: float = 0.0
    final_audio_s: float = 0.0
    # main
    model_load_s: float = 0.0

    def report(self) -> dict[str, float | int]:
        out: dict[str, float | int] = asdict(self)
        busy = self.partial_busy_s + self.final_busy_s
        stream_s = self.audio_samples / protocol.SAMPLE_RATE
        out["stream_audio_s"] = round(stream_s, 3)
        out["stt_busy_s"] = round(busy, 3)
        out["speculations_wasted"] = self.speculations - self.finals_speculative
        # RTF of finals: compute per second of utterance audio (wasted speculative decodes
        # included). STT load: compute per second of stream, partials included, i.e. how much
        # of one real-time stream the STT thread uses.
        out["final_rtf"] = round(self.final_busy_s / self.final_audio_s, 4) if self.final_audio_s else None
        out["stt_load"] = round(busy / stream_s, 4) if stream_s else None
        for key in ("partial_busy_s", "partial_audio_s", "final_busy_s", "final_audio_s", "model_load_s"):
            out[key] = round(out[key], 3)
        return out
