"""Drives `python -m voice_worker` as a real subprocess through its pipes, and makes test audio.

Every wait has a deadline and fails with the events seen so far, so a hang is a readable failure
instead of a stuck test run.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

REPO = Path(__file__).resolve().parents[2]
RATE = 16000
FRAME = 160  # 10 ms

# Benchmark numbers gathered by the tests; conftest prints them in the terminal summary.
BENCH: dict[str, Any] = {}


@dataclass(frozen=True)
class Seen:
    t: float  # monotonic arrival time in this process
    event: dict[str, Any]

    @property
    def type(self) -> str:
        return self.event["type"]


class Worker:
    def __init__(self, *args: str, env: dict[str, str] | None = None, ready_timeout: float = 60.0,
                 expect_ready: bool = True) -> None:
        full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
        for key in ("VOICE_WORKER_MODEL", "VOICE_WORKER_ENGINE", "VOICE_WORKER_CPU_THREADS"):
            if env is None or key not in env:
                full_env.pop(key, None)
        self.argv = [sys.executable, "-m", "voice_worker", *args]
        self.t_spawn = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=full_env, cwd=REPO)
        self.seen: list[Seen] = []
        self.non_json: list[bytes] = []
        self.stderr_lines: list[str] = []
        self.stdout_closed = threading.Event()
        self._cond = threading.Condition()
        self._wlock = threading.Lock()
        self.next_seq = 0
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.ready: dict[str, Any] | None = None
        if expect_ready:
            self.ready = self.wait_for(lambda e: e["type"] == "ready", ready_timeout).event
            self.t_ready = time.monotonic()

    # --- reading -------------------------------------------------------------------------------

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            t = time.monotonic()
            try:
                event = json.loads(raw)
                ok = isinstance(event, dict) and isinstance(event.get("type"), str)
            except ValueError:
                ok = False
            with self._cond:
                if ok:
                    self.seen.append(Seen(t, event))
                else:
                    self.non_json.append(raw)
                self._cond.notify_all()
        with self._cond:
            self.stdout_closed.set()
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.stderr_lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def mark(self) -> int:
        with self._cond:
            return len(self.seen)

    def events(self, kind: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        with self._cond:
            return [s.event for s in self.seen[since:] if kind is None or s.type == kind]

    def wait_for(self, pred: Callable[[dict[str, Any]], bool], timeout: float, since: int = 0) -> Seen:
        deadline = time.monotonic() + timeout
        with self._cond:
            i = since
            while True:
                while i < len(self.seen):
                    if pred(self.seen[i].event):
                        return self.seen[i]
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.stdout_closed.is_set():
                    raise AssertionError(
                        f"event not seen within {timeout} s (stdout closed: {self.stdout_closed.is_set()}); "
                        f"last events: {[s.event for s in self.seen[-8:]]}; stderr tail: {self.stderr_lines[-5:]}")
                self._cond.wait(min(left, 0.5))

    def wait_exit(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"worker did not exit within {timeout} s; stderr tail: {self.stderr_lines[-5:]}")

    def stats(self) -> dict[str, Any]:
        """The worker's exit report (stderr line 'stats {...}'); call after it exited."""
        self.stdout_closed.wait(5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for line in reversed(self.stderr_lines):
                m = re.search(r" stats (\{.*\})$", line)
                if m:
                    return json.loads(m.group(1))
            time.sleep(0.05)
        raise AssertionError(f"no stats line on stderr: {self.stderr_lines[-5:]}")

    # --- writing -------------------------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        with self._wlock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send(self, obj: dict[str, Any]) -> None:
        self.send_raw((json.dumps(obj) + "\n").encode())

    def ping(self, ping_id: str) -> float:
        t = time.monotonic()
        self.send({"type": "ping", "id": ping_id})
        return t

    def frame_line(self, samples: np.ndarray, seq: int | None = None) -> bytes:
        if seq is None:
            seq = self.next_seq
            self.next_seq += 1
        return (json.dumps({"type": "audio_frame", "seq": seq,
                            "data": base64.b64encode(samples.astype("<i2").tobytes()).decode(),
                            "sample_rate": RATE, "channels": 1}) + "\n").encode()

    def stream(self, audio: np.ndarray, speed: float | None = None,
               between: Callable[[int], None] | None = None) -> int:
        """Send audio as 10 ms frames; speed 1.0 = real time, None = as fast as the pipe takes it.

        Returns the last seq sent. `between(seq)` runs after each write (e.g. to interleave pings).
        """
        frames = [audio[i:i + FRAME] for i in range(0, len(audio) - FRAME + 1, FRAME)]
        lines = [self.frame_line(f) for f in frames]
        t0 = time.monotonic()
        sent = 0
        while sent < len(lines):
            if speed is None:
                due = min(len(lines), sent + 50)
            else:
                due = min(len(lines), int((time.monotonic() - t0) * 100 * speed) + 1)
                if due <= sent:
                    time.sleep(0.002)  # pacing to the audio clock, not waiting for a result
                    continue
            self.send_raw(b"".join(lines[sent:due]))
            sent = due
            if between is not None:
                between(self.next_seq - len(lines) + sent - 1)
        return self.next_seq - 1

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if pipe:
                    pipe.close()
            except OSError:
                pass

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- audio -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def espeak(text: str, wpm: int = 150) -> np.ndarray:
    """Speech synthesised by espeak-ng, resampled by sox to 16 kHz s16 mono, edges trimmed."""
    wav = subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(wpm), "--stdout", text],
                         check=True, capture_output=True).stdout
    raw = subprocess.run(["sox", "-t", "wav", "-", "-r", str(RATE), "-c", "1", "-b", "16",
                          "-e", "signed-integer", "-t", "raw", "-"],
                         input=wav, check=True, capture_output=True).stdout
    pcm = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 300)
    return pcm[loud[0]:loud[-1] + 1].copy()


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def white_noise(seconds: float, rms: float = 3000.0, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(0.0, rms, int(seconds * RATE)), -32768, 32767).astype(np.int16)


def concat(parts: Iterable[np.ndarray]) -> np.ndarray:
    return np.concatenate(list(parts))


# --- scoring -----------------------------------------------------------------------------------
# The project's one WER and its normaliser (bench/wer.py): wer(reference, hypothesis) and the
# words it counts, under the names the worker tests use.
sys.path.append(str(REPO / "bench"))
from wer import wer  # noqa: E402
from wer import words as norm_words  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q))
