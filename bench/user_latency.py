#!/usr/bin/env python3
"""User-visible latency of the voice worker alone (no daemon): what a person talking to it waits for.

Spawns `python -m voice_worker` (the real faster-whisper tiny.en engine), writes 10 ms
`audio_frame` lines at real-time pace, and reads the events on a separate thread with arrival
timestamps. The audio is >= 20 espeak-ng sentences (several voices, 150-170 wpm, 16 kHz mono)
separated by 1-2 s of silence, over light background noise.

Reported (p50/p95 over utterances):
  last_word_to_final_ms      wall time the frame holding the utterance's last non-silent sample
                             (found from the audio energy) was written -> its final_text arrived
  speech_to_first_partial_ms wall time the frame holding its first non-silent sample was written
                             -> the first partial_text of that utterance arrived
  partial_latency_ms         the partials' own latency_ms field
  wer                        finals against the sentences (bench/wer.py: jiwer, normalised)
  no_speech                  during speech (less than 1.2 s after a last word) vs after it, and
                             how many per silent gap
  stages                     per-final breakdown from the worker's `--timing` stderr lines:
                             trailing-silence wait of the segmenter, queue wait, decode time

Usage:
  .venv/bin/python bench/user_latency.py [--load] [--json] [--utterances 24] [--seed 1]
  --load runs a CPU burner (one busy-looping process = one core) for the whole run.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wer import measure  # the project's one WER (bench/ is sys.path[0] when run as a script)

REPO = Path(__file__).resolve().parents[1]
RATE = 16000
FRAME = 160  # 10 ms
NO_SPEECH_AFTER_MS = 1200  # DESIGN.md §3

SENTENCES = (
    "Please open the window because it is very warm in this room",
    "The weather today is sunny with a light breeze from the west",
    "Can you send me the notes from our meeting this morning",
    "My favorite color is blue and I like to walk in the park",
    "We should finish the report before the end of the week",
    "Turn off the lights in the kitchen and lock the front door",
    "I would like a cup of coffee with milk and no sugar",
    "Remind me to call my sister tomorrow at noon",
    "How long does it take to drive to the airport",
    "Set a timer for ten minutes please",
    "The train to the city leaves every half hour",
    "What is the capital of France",
    "Add eggs and bread to the shopping list",
    "She bought a new bicycle for her birthday",
    "Play some quiet music in the living room",
    "The meeting has been moved to Thursday afternoon",
    "Our dog likes to sleep on the sofa",
    "Please book a table for four people tonight",
    "The library closes at six on weekdays",
    "Tell me a story about a brave little mouse",
    "I forgot my umbrella at the office again",
    "Read the first chapter before class on Monday",
    "The garden needs water after such a hot day",
    "Check the news and tell me the headlines",
    "Send a message to John saying I will be late",
    "The price of the tickets went up this year",
)
VOICES = ("en-us", "en-us+f3", "en-gb", "en-us+m3", "en-029", "en-gb+f2")
SPEEDS = (150, 160, 170)


# --- audio ---------------------------------------------------------------------------------------

def espeak(text: str, voice: str, wpm: int) -> np.ndarray:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],
                         check=True, capture_output=True).stdout
    raw = subprocess.run(["sox", "-t", "wav", "-", "-r", str(RATE), "-c", "1", "-b", "16",
                          "-e", "signed-integer", "-t", "raw", "-"],
                         input=wav, check=True, capture_output=True).stdout
    pcm = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 300)
    return pcm[loud[0]:loud[-1] + 1].copy()


def speech_bounds(pcm: np.ndarray, rms_threshold: float = 150.0) -> tuple[int, int]:
    """(first, last) non-silent sample by 10 ms energy: the first and last frame above threshold."""
    n = len(pcm) // FRAME
    frames = pcm[:n * FRAME].astype(np.float64).reshape(n, FRAME)
    rms = np.sqrt(np.mean(frames ** 2, axis=1))
    loud = np.flatnonzero(rms > rms_threshold)
    first, last = int(loud[0]), int(loud[-1])
    seg = np.abs(pcm[last * FRAME:(last + 1) * FRAME].astype(np.int32))
    tail = np.flatnonzero(seg > 300)
    last_sample = last * FRAME + (int(tail[-1]) if tail.size else FRAME - 1)
    return first * FRAME, last_sample


@dataclass
class Utterance:
    text: str
    voice: str
    wpm: int
    start: int  # first non-silent sample on the stream
    last: int  # last non-silent sample on the stream

    @property
    def start_ms(self) -> int:
        return self.start // 16

    @property
    def last_ms(self) -> int:
        return self.last // 16


def build_stream(n: int, seed: int, noise_rms: float, first: int = 0) -> tuple[np.ndarray, list[Utterance]]:
    """n sentences from SENTENCES[first], each followed by 1-2 s of silence (3 s after the last)."""
    rng = np.random.default_rng(seed)
    parts = [np.zeros(RATE, dtype=np.int16)]
    pos = RATE
    utts: list[Utterance] = []
    for i in range(n):
        text = SENTENCES[(first + i) % len(SENTENCES)]
        voice, wpm = VOICES[(first + i) % len(VOICES)], SPEEDS[((first + i) // 2) % len(SPEEDS)]
        pcm = espeak(text, voice, wpm)
        gain = rng.uniform(0.5, 1.0)
        pcm = np.clip(pcm.astype(np.float64) * gain, -32768, 32767).astype(np.int16)
        first, last = speech_bounds(pcm)
        utts.append(Utterance(text, voice, wpm, pos + first, pos + last))
        gap = int(rng.uniform(1.0, 2.0) * RATE) if i < n - 1 else 3 * RATE
        parts += [pcm, np.zeros(gap, dtype=np.int16)]
        pos += len(pcm) + gap
    audio = np.concatenate(parts).astype(np.float64)
    if noise_rms > 0:
        audio += rng.normal(0.0, noise_rms, audio.size)
    audio = np.clip(audio, -32768, 32767).astype(np.int16)
    pad = (-len(audio)) % FRAME
    return np.concatenate([audio, np.zeros(pad, dtype=np.int16)]), utts


# --- the worker ----------------------------------------------------------------------------------

class WorkerRun:
    def __init__(self, extra_args: list[str], pythonpath: str | None = None) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "VOICE_WORKER_TIMING": "1"}
        if pythonpath:  # e.g. an older voice_worker checked out elsewhere, to compare
            env["PYTHONPATH"] = pythonpath
        self.proc = subprocess.Popen([sys.executable, "-m", "voice_worker", *extra_args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=REPO)
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.stderr: list[str] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            t = time.monotonic()
            ev = json.loads(raw)
            with self.cond:
                self.events.append((t, ev))
                self.cond.notify_all()
        with self.cond:
            self.events.append((time.monotonic(), {"type": "_eof"}))
            self.cond.notify_all()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_for(self, pred: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        i = 0
        with self.cond:
            while True:
                while i < len(self.events):
                    ev = self.events[i][1]
                    if ev["type"] == "_eof":
                        raise RuntimeError(f"worker exited; stderr tail {self.stderr[-5:]}")
                    if pred(ev):
                        return ev
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"timed out; last events {[e for _, e in self.events[-5:]]}")
                self.cond.wait(left)

    def send(self, obj: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        self.proc.stdin.flush()


def stream_realtime(w: WorkerRun, audio: np.ndarray) -> list[float]:
    """Writes one 10 ms frame per 10 ms of wall time; returns the write time of every seq."""
    assert w.proc.stdin is not None
    fd = w.proc.stdin.fileno()
    n = len(audio) // FRAME
    lines = [(json.dumps({"type": "audio_frame", "seq": k,
                          "data": base64.b64encode(audio[k * FRAME:(k + 1) * FRAME].astype("<i2").tobytes()).decode(),
                          "sample_rate": RATE, "channels": 1}) + "\n").encode() for k in range(n)]
    t_write = [0.0] * n
    t0 = time.monotonic()
    for k, line in enumerate(lines):
        due = t0 + k * FRAME / RATE
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # pacing to the audio clock
        os.write(fd, line)
        t_write[k] = time.monotonic()
    return t_write


def start_burner() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


# --- scoring -------------------------------------------------------------------------------------

def pct(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "p50": None, "p95": None}
    a = np.asarray(values, dtype=float)
    return {"n": len(values), "p50": round(float(np.percentile(a, 50)), 1),
            "p95": round(float(np.percentile(a, 95)), 1), "max": round(float(a.max()), 1)}


def analyse(utts: list[Utterance], t_write: list[float], events: list[tuple[float, dict[str, Any]]],
            stderr: list[str]) -> dict[str, Any]:
    finals = [(t, e) for t, e in events if e["type"] == "final_text"]
    starts = [(t, e) for t, e in events if e["type"] == "speech_start"]
    ends = {e["utterance"]: t for t, e in events if e["type"] == "speech_end"}
    partials = [(t, e) for t, e in events if e["type"] == "partial_text"]
    no_speech = [e for _, e in events if e["type"] == "no_speech"]

    last_to_final, last_to_end, start_to_partial = [], [], []
    total_edits = total_words = 0
    per_utt = []
    missing_partial = 0
    split = 0
    for i, u in enumerate(utts):
        nxt = utts[i + 1].start_ms if i + 1 < len(utts) else 10 ** 12
        mine = [(t, f) for t, f in finals if f["start_ms"] < u.last_ms + 300 and f["end_ms"] > u.start_ms
                and f["start_ms"] < nxt - 300]
        hyp = " ".join(f["text"] for _, f in mine)
        scored = measure(u.text, hyp)
        e = scored.errors
        total_edits += e
        total_words += scored.words
        split += len(mine) != 1
        t_last = t_write[min(len(t_write) - 1, u.last // FRAME)]
        t_first = t_write[u.start // FRAME]
        row: dict[str, Any] = {"text": u.text, "voice": u.voice, "wpm": u.wpm, "hyp": hyp, "edits": e,
                               "finals": len(mine)}
        if mine:
            t_fin, fin = mine[-1]
            row["last_word_to_final_ms"] = round((t_fin - t_last) * 1000)
            row["final_latency_ms"] = fin["latency_ms"]
            last_to_final.append(row["last_word_to_final_ms"])
            if fin["utterance"] in ends:
                last_to_end.append(round((ends[fin["utterance"]] - t_last) * 1000))
        ids = {s["utterance"] for _, s in starts if u.start_ms - 700 <= s["audio_ms"] <= u.last_ms}
        firsts = [t for t, p in partials if p["utterance"] in ids]
        if firsts:
            row["speech_to_first_partial_ms"] = round((min(firsts) - t_first) * 1000)
            start_to_partial.append(row["speech_to_first_partial_ms"])
        else:
            missing_partial += 1
        per_utt.append(row)

    # no_speech: "during" = less than 1.2 s of silence after a last word, or inside speech.
    during = []
    gaps = []
    for i, u in enumerate(utts):
        end_gap = utts[i + 1].start_ms if i + 1 < len(utts) else 10 ** 12
        gaps.append({"silence_ms": (end_gap - u.last_ms) if i + 1 < len(utts) else None,
                     "no_speech": sum(u.last_ms + NO_SPEECH_AFTER_MS <= n["audio_ms"] < end_gap for n in no_speech)})
    for n in no_speech:
        ms = n["audio_ms"]
        near = [u for u in utts if u.start_ms <= ms < u.last_ms + NO_SPEECH_AFTER_MS]
        if ms < NO_SPEECH_AFTER_MS or near:
            during.append({"audio_ms": ms, "utterance_start_ms": near[0].start_ms if near else None,
                           "last_word_ms": near[0].last_ms if near else None})
    counts: dict[str, dict[str, int]] = {}
    for g in gaps:
        cat = "last gap (3 s)" if g["silence_ms"] is None else \
            "silence >= 1.5 s" if g["silence_ms"] >= 1500 else \
            "silence 1.2-1.5 s" if g["silence_ms"] >= NO_SPEECH_AFTER_MS else "silence < 1.2 s"
        key = "0" if g["no_speech"] == 0 else "1" if g["no_speech"] == 1 else ">1"
        counts.setdefault(cat, {})
        counts[cat][key] = counts[cat].get(key, 0) + 1

    timing = []
    for line in stderr:
        m = re.search(r" timing (\{.*\})$", line)
        if m:
            timing.append(json.loads(m.group(1)))
    stats = None
    for line in reversed(stderr):
        m = re.search(r" stats (\{.*\})$", line)
        if m:
            stats = json.loads(m.group(1))
            break
    stages = {k: pct([t[k] for t in timing if t.get(k) is not None])
              for k in ("silence_wait_ms", "queue_ms", "decode_ms", "latency_ms")}
    for k in ("speculative", "spec_reused"):
        if any(k in t for t in timing):
            stages[k] = sum(bool(t.get(k)) for t in timing)
    return {
        "utterances": len(utts),
        "finals": len(finals),
        "utterances_without_exactly_one_final": split,
        "last_word_to_final_ms": pct(last_to_final),
        "last_word_to_speech_end_ms": pct(last_to_end),
        "speech_to_first_partial_ms": pct(start_to_partial),
        "utterances_without_partial": missing_partial,
        "partial_latency_ms": pct([p["latency_ms"] for _, p in partials]),
        "final_latency_ms_field": pct([f["latency_ms"] for _, f in finals]),
        "wer": round(total_edits / max(1, total_words), 4),
        "no_speech": {"total": len(no_speech), "during_speech": len(during), "during_detail": during,
                      "after_silence": len(no_speech) - len(during), "per_gap": counts,
                      "last_gap_3s": gaps[-1]["no_speech"]},
        "stages": stages,
        "worker_stats": {k: stats[k] for k in ("partials", "partials_skipped_behind", "final_rtf", "stt_load",
                                               "finals", "finals_empty") if k in stats} if stats else None,
        "per_utterance": per_utt,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--load", action="store_true", help="keep one core busy with a CPU burner during the run")
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    ap.add_argument("--utterances", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise-rms", type=float, default=60.0, help="background white noise (s16 RMS; 0: none)")
    ap.add_argument("--worker-arg", action="append", default=[], help="extra argument for the worker")
    ap.add_argument("--worker-pythonpath", help="run the voice_worker package found here instead "
                    "(e.g. `git archive HEAD worker/voice_worker | tar -x -C /tmp/w`, then /tmp/w/worker)")
    args = ap.parse_args()

    audio, utts = build_stream(args.utterances, args.seed, args.noise_rms)
    burner = start_burner() if args.load else None
    load_before = os.getloadavg()
    try:
        w = WorkerRun(args.worker_arg, args.worker_pythonpath)
        w.wait_for(lambda e: e["type"] == "ready", 120)
        time.sleep(0.5)
        t_write = stream_realtime(w, audio)
        last_seq = len(t_write) - 1
        w.send({"type": "flush"})
        w.wait_for(lambda e: e["type"] == "ack" and e["seq"] == last_seq, 60)
        w.send({"type": "shutdown"})
        w.proc.wait(30)
        time.sleep(0.2)
    finally:
        if burner is not None:
            burner.kill()
            burner.wait()
    load_after = os.getloadavg()
    with w.cond:
        events = list(w.events)
    result = analyse(utts, t_write, events, w.stderr)
    result["condition"] = {"load": "one busy-looping process (one core)" if args.load else "none",
                           "loadavg_before": [round(x, 2) for x in load_before],
                           "loadavg_after": [round(x, 2) for x in load_after],
                           "cpus": os.cpu_count(), "audio_s": round(len(audio) / RATE, 1),
                           "noise_rms": args.noise_rms, "seed": args.seed, "worker_args": args.worker_arg,
                           "worker_pythonpath": args.worker_pythonpath}
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(json.dumps({k: v for k, v in result.items() if k != "per_utterance"}, indent=1))
        for row in result["per_utterance"]:
            if row["edits"] or row["finals"] != 1:
                print(f"  edits={row['edits']} finals={row['finals']} ref={row['text']!r} hyp={row['hyp']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
