"""Chaos, bounded (about 90 s, local processes only): while speech streams at real time from a WAV
through the REAL worker, the worker is SIGKILLed every 3–7 s once the last one has caught up
(random, seeded — the seed is printed and set with VS_CHAOS_SEED), SIGSTOPped once for 6 s, and
the memory gate is closed and reopened through the fixture pressure files. Afterwards the daemon must be alive with no zombie or orphan,
its threads and file descriptors back to where they started, every recording stop must say why,
every frame the ring accepted must be acknowledged or counted lost — lost only in the SIGSTOP
window or while the gate held the worker — and /v1/metrics must agree with the events seen.

The ring is sized for the worst restart the chaos provokes, so that a loss outside the fault
windows is a defect and not the machine's speed. While no worker is ready, new audio waits in the
ring and the recording's pending queue (audio.replay_seconds) through the backoff (up to 1 s
here), the spawn, the model load (~3 s on an idle 2-core machine, over 5 s with both cores busy)
and the resending of the unacknowledged frames, which go first. With the 5 s ring of the other
real-worker tests, a loaded machine overflowed it on a plain SIGKILL (1,774 frames lost outside
the windows). Kills at random also piled up: a worker killed as soon as it was ready had not yet
caught up, so the next restart began with a backlog. Here the ring holds RING_SECONDS, a start
may take START_TIMEOUT_S (longer is a crash of its own, which the crash counts below would
catch), and a kill waits until the audio not yet acknowledged is at most CAUGHT_UP_S (well
inside audio.replay_seconds, 30 s): CAUGHT_UP_S + BACKOFF_MAX_S + START_TIMEOUT_S < RING_SECONDS."""
from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import (Daemon, EventCollector, metric_value, processes_with, speech_samples, threads_and_fds,
                     wait_until, write_pressure, write_wav, zombie_children)
from test_audio_realworker import SENTENCES, real_worker_config

pytestmark = [pytest.mark.chaos, pytest.mark.real_model]

CHAOS_SECONDS = 75
SEED = int(os.environ.get("VS_CHAOS_SEED", random.SystemRandom().randrange(1 << 32)))
WORKER_MARKER = "voice_worker"
# After a SIGSTOP or a gate reopening, the worker that replaces the stopped one needs its model
# loaded before the ring drains: losses are accepted until then.
RECOVERY_S = 15
RING_SECONDS = 60  # audio.buffer_seconds' maximum
START_TIMEOUT_S = 30
CAUGHT_UP_S = 10
BACKOFF_MAX_S = 1
assert CAUGHT_UP_S + BACKOFF_MAX_S + START_TIMEOUT_S < RING_SECONDS


@dataclass
class Window:
    """A span of time (monotonic seconds) in which frames may be lost."""
    what: str
    start: float
    end: float = float("inf")

    def holds(self, t: float) -> bool:
        return self.start <= t <= self.end + RECOVERY_S


@dataclass
class Chaos:
    daemon: Daemon
    rng: random.Random
    workdir: Path
    kills: int = 0
    windows: list[Window] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def running_worker(self, timeout: float = START_TIMEOUT_S + 15) -> int:
        w = wait_until(lambda: (lambda s: s if s["state"] == "running" and s["pid"] else None)(self.daemon.worker()),
                       timeout, "the worker to be running")
        return w["pid"]

    def note(self, what: str) -> None:
        self.log.append(f"{time.monotonic():.1f} {what}")

    def caught_up(self) -> bool:
        """At most CAUGHT_UP_S of the recording's audio is not acknowledged yet (in the ring or
        awaiting the worker's acks), or no recording runs."""
        rec = self.daemon.get("/v1/control/status").json()["recording"]
        unsettled = rec["frames_captured"] + rec["frames_rejected"] - rec["frames_acked"] - rec["frames_lost"]
        return rec["state"] != "recording" or unsettled <= CAUGHT_UP_S * 100  # 10 ms frames

    def kill(self) -> None:
        self.running_worker()
        wait_until(self.caught_up, START_TIMEOUT_S + 30, "the worker to catch up with the ring before a kill")
        pid = self.running_worker()
        os.kill(pid, signal.SIGKILL)
        self.kills += 1
        self.note(f"SIGKILL {pid}")

    def stop_for_six_seconds(self) -> None:
        pid = self.running_worker()
        window = Window("SIGSTOP", time.monotonic())
        self.windows.append(window)
        os.kill(pid, signal.SIGSTOP)
        self.note(f"SIGSTOP {pid}")
        time.sleep(6)  # the fault itself is a duration
        try:
            os.kill(pid, signal.SIGCONT)  # the daemon has likely replaced it by now
        except ProcessLookupError:
            pass
        window.end = time.monotonic()
        self.note(f"SIGCONT {pid}")

    def close_gate(self) -> None:
        # On a running worker, so the gate stops it (a worker in backoff would merely not restart).
        self.running_worker()
        window = Window("gate", time.monotonic())
        self.windows.append(window)
        write_pressure(self.workdir / "proc", available_mb=200)  # below min_available_memory_mb
        self.note("gate closing")
        wait_until(lambda: self.daemon.worker()["state"] == "stopped", 15, "the gate to stop the worker")
        write_pressure(self.workdir / "proc")
        self.note("gate reopening")
        self.running_worker()
        window.end = time.monotonic()


def keep_recording(d: Daemon, wav: Path) -> None:
    """A recording must run for the chaos to hit it: start one when none does."""
    if d.get("/v1/control/status").json()["recording"]["state"] != "recording":
        r = d.post("/v1/recording/start", json={"source": "file", "path": str(wav), "realtime": True})
        assert r.status_code in (200, 409, 503), r.text  # 409/503: raced with a restart; tried again later


def test_chaos_kills_stops_and_gate_flaps_lose_nothing_outside_their_windows(workdir, capsys):
    with capsys.disabled():
        print(f"\nchaos seed {SEED} (rerun with VS_CHAOS_SEED={SEED})")
    rng = random.Random(SEED)
    config = real_worker_config(workdir, buffer_seconds=RING_SECONDS)
    # Dozens of crashes are the point here: the restart budget must not end the run.
    config["backoff"].update(initial_ms=100, max_ms=BACKOFF_MAX_S * 1000, max_restarts=1000)
    config["worker"].update(ping_interval_ms=500, ping_timeout_ms=2000, ping_failure_limit=2,
                            start_timeout_ms=START_TIMEOUT_S * 1000)
    config["pressure"].update(reopen_after_samples=2, max_cpu_percent=100)  # CPU never gates here
    d = Daemon(config=config, workdir=workdir).start()
    try:
        samples, _ = speech_samples(SENTENCES, workdir, pause_s=1.2)  # 74 s of speech
        wav = write_wav(workdir / "speech.wav", samples)
        with d.client(timeout=START_TIMEOUT_S + 15) as c:
            assert c.post("/v1/control/start").status_code == 200
        events = EventCollector(d)
        wait_until(lambda: events.status_line, 15, "the event stream to open")
        threads0, fds0 = threads_and_fds(d.proc.pid)

        chaos = Chaos(d, rng, workdir)
        stop_at, gate_at = rng.uniform(15, 30), rng.uniform(40, 55)
        begin = time.monotonic()
        next_kill = begin + rng.uniform(3, 7)
        stopped = gated = False
        while time.monotonic() - begin < CHAOS_SECONDS:
            keep_recording(d, wav)
            elapsed = time.monotonic() - begin
            if not stopped and elapsed >= stop_at:
                chaos.stop_for_six_seconds()
                stopped = True
                next_kill = time.monotonic() + rng.uniform(3, 7)
            elif not gated and elapsed >= gate_at:
                chaos.close_gate()
                gated = True
                next_kill = time.monotonic() + rng.uniform(3, 7)
            elif time.monotonic() >= next_kill:
                chaos.kill()
                next_kill = time.monotonic() + rng.uniform(3, 7)
            time.sleep(0.1)
        quiet_from = time.monotonic()

        # The end: the last recording stops (flushed), the worker runs, nothing is left over.
        assert d.post("/v1/recording/stop").status_code == 200
        worker_pid = chaos.running_worker()
        story = "\n".join(chaos.log) + f"\nseed {SEED}"

        assert d.proc.poll() is None, story
        assert zombie_children(d.proc.pid) == [], story
        # No worker this daemon ever ran, nor anything in their process groups, outlives them
        # (other daemons' workers on the machine are not ours to count).
        ours = {e["data"]["pid"] for e in events.of("worker_state") if e["data"]["pid"]} | {worker_pid}
        survivors = [p for p in processes_with(WORKER_MARKER) if p in ours or os.getpgid(p) in ours]
        assert survivors == [worker_pid], story
        wait_until(lambda: threads_and_fds(d.proc.pid) == (threads0, fds0), 15,
                   f"threads and fds back to {(threads0, fds0)} (now {threads_and_fds(d.proc.pid)})")

        stops = events.of("recording_stopped")
        assert stops, story
        for s in stops:
            rec = s["data"]
            assert rec["reason"], (rec, story)
            assert rec["frames_acked"] + rec["frames_lost"] == rec["frames_captured"] + rec["frames_rejected"], (rec, story)
        losses = events.of("audio_lost")
        for loss in losses:
            assert any(w.holds(loss["t"]) for w in chaos.windows), (
                f"{loss['data']} lost at {loss['t']:.1f}, outside the SIGSTOP and gate windows "
                f"{[(w.what, round(w.start, 1), round(w.end, 1)) for w in chaos.windows]}\n{story}")
        assert all(loss["t"] < quiet_from + RECOVERY_S for loss in losses), story

        m = d.get("/v1/metrics").text
        lost = sum(e["data"]["frames"] for e in losses)
        assert metric_value(m, "voice_sidecar_audio_frames_lost_total") == lost == sum(s["data"]["frames_lost"] for s in stops)
        assert metric_value(m, 'voice_sidecar_worker_crashes_total{cause="signal"}') == chaos.kills, story
        assert metric_value(m, 'voice_sidecar_worker_crashes_total{cause="ping_timeout"}') == 1, story
        assert metric_value(m, "voice_sidecar_worker_pressure_stops_total") == 1, story
        backoffs = [e for e in events.of("worker_state") if e["data"]["state"] == "backoff"]
        assert len(backoffs) == chaos.kills + 1, story  # every crash seen as an event, the SIGSTOP's too
        with capsys.disabled():
            print(f"chaos: {chaos.kills} kills, 1 SIGSTOP, 1 gate flap, {len(stops)} recordings, "
                  f"{lost} frames lost in the windows, "
                  f"{sum(s['data']['frames_captured'] for s in stops)} captured")
        events.close()
    finally:
        d.stop()
