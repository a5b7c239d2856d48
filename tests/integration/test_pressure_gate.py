"""The heavy-load gate fails closed on fixture /proc files, reopens only after its hysteresis,
stops a worker on memory pressure and brings it back when the pressure ends."""
from __future__ import annotations

import re
import threading
import time

import pytest
from harness import metric_value, wait_until, write_pressure


def gate(d) -> tuple[int, dict]:
    r = d.get("/v1/gates/heavy-load")
    return r.status_code, r.json()


def wait_gate(d, status: int, timeout: float = 10) -> dict:
    return wait_until(lambda: (g := gate(d))[0] == status and g[1], timeout, f"gate status {status}")


def counter(d, name: str) -> float:
    m = re.search(rf"^{re.escape(name)} (\S+)$", d.get("/v1/metrics").text, re.M)
    assert m, name
    return float(m.group(1))


def test_unreadable_or_garbage_sample_closes_the_gate(make_daemon, workdir):
    d = make_daemon()
    proc = workdir / "proc"
    wait_gate(d, 200)

    (proc / "meminfo").unlink()
    (proc / "meminfo").mkdir()  # exists but cannot be read as a file (tests run as root)
    closed = wait_gate(d, 429)
    assert "meminfo" in closed["reason"]
    assert closed["pressure"]["valid"] is False
    start = d.post("/v1/control/start")
    assert start.status_code == 503 and "meminfo" in start.json()["error"]

    (proc / "meminfo").rmdir()
    write_pressure(proc)
    wait_gate(d, 200)
    (proc / "meminfo").write_text("MemTotal: lots\nMemAvailable: plenty\n")
    closed = wait_gate(d, 429)
    assert "meminfo" in closed["reason"] and closed["pressure"]["valid"] is False


def test_recovery_reopens_only_after_hysteresis(make_daemon, workdir):
    interval_ms, needed = 300, 3
    d = make_daemon(tweak=lambda c: c["pressure"].update(monitor_interval_ms=interval_ms,
                                                         reopen_after_samples=needed))
    write_pressure(workdir / "proc", available_mb=100)
    wait_gate(d, 429)
    restored = time.monotonic()
    write_pressure(workdir / "proc")
    saw_recovering = False
    while gate(d)[0] == 429:
        saw_recovering |= "recovering" in gate(d)[1]["reason"]
        assert time.monotonic() - restored < 10, "the gate never reopened"
        time.sleep(0.02)
    waited_ms = (time.monotonic() - restored) * 1000
    print(f"gate reopened {waited_ms:.0f} ms after recovery ({needed} samples at {interval_ms} ms)")
    # The first good sample can come right after the restore; the rest are one interval apart.
    assert waited_ms >= (needed - 1) * interval_ms - 50
    assert saw_recovering


def test_memory_pressure_stops_worker_and_recovery_resumes_it(make_daemon, workdir):
    d = make_daemon()
    assert d.post("/v1/control/start").status_code == 200
    first = d.worker()["pid"]

    write_pressure(workdir / "proc", available_mb=200)
    d.wait_state("stopped")
    assert counter(d, "voice_sidecar_worker_pressure_stops_total") == 1
    assert d.get("/v1/health").json()["status"] == "degraded"

    write_pressure(workdir / "proc")
    w = d.wait_state("running")
    assert w["pid"] != first
    assert counter(d, "voice_sidecar_worker_pressure_resumes_total") == 1
    assert w["crash_count"] == 0, "a pressure stop is not a crash"


class BusyCpu:
    """Keeps rewriting the fixture /proc/stat so every sample sees 100% CPU since the last."""

    def __init__(self, proc) -> None:
        self.proc, self.busy, self.done = proc, 100, threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        while not self.done.is_set():
            self.busy += 10_000
            write_pressure(self.proc, cpu_busy=self.busy, cpu_idle=900)
            self.done.wait(0.03)

    def __enter__(self) -> "BusyCpu":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()


def test_cpu_pressure_refuses_new_starts_but_never_stops_a_running_worker(make_daemon, workdir):
    d = make_daemon()
    assert d.post("/v1/control/start").status_code == 200
    pid = d.worker()["pid"]
    with BusyCpu(workdir / "proc"):
        closed = wait_gate(d, 429)
        assert "cpu" in closed["reason"].lower()
        samples = counter(d, "voice_sidecar_pressure_samples_total")
        wait_until(lambda: counter(d, "voice_sidecar_pressure_samples_total") >= samples + 5, 10,
                   "five more samples")
        assert gate(d)[0] == 429
        w = d.worker()
        assert (w["state"], w["pid"]) == ("running", pid), "CPU load must never stop a running worker"
        assert counter(d, "voice_sidecar_worker_pressure_stops_total") == 0

        assert d.post("/v1/control/stop").status_code == 200
        start = d.post("/v1/control/start")
        assert start.status_code == 503 and "cpu" in start.json()["error"].lower()


# --- the supervised worker's own CPU does not gate (DESIGN.md §5) ---

def write_process_stat(proc, pid: int, ticks: int) -> None:
    """Writes <proc>/<pid>/stat for a process that has used `ticks` of CPU (as utime)."""
    d = proc / str(pid)
    d.mkdir(parents=True, exist_ok=True)
    rest = "20 0 8 0 4242 1234567 5432 18446744073709551615 1 1 0 0 0 0 0 16781312 2 0 0 0 17 1 0\n"
    tmp = d / ".stat.tmp"
    tmp.write_text(f"{pid} (python3) S 1 {pid} {pid} 0 -1 4194560 5123 0 12 0 {ticks} 0 0 0 {rest}")
    tmp.replace(d / "stat")


def after_samples(d, n: int = 1) -> None:
    """Returns just after the daemon has taken `n` more pressure samples."""
    start = counter(d, "voice_sidecar_pressure_samples_total")
    wait_until(lambda: counter(d, "voice_sidecar_pressure_samples_total") >= start + n, 10,
               f"{n} more samples", interval=0.005)


class SteppedCpu:
    """Advances the fixture /proc/stat by one interval of 90% busy CPU per daemon sample, of which
    `worker_share` ticks (of 1000) are the worker's in <proc>/<pid>/stat.

    Both files change right after a sample, half an interval before the next, so the daemon never
    reads a new /proc/stat with an old worker stat (that pair would look like load from others)."""

    def __init__(self, d, proc, pid: int) -> None:
        self.d, self.proc, self.pid = d, proc, pid
        self.busy, self.idle, self.worker = 100, 900, 0
        write_process_stat(proc, pid, self.worker)
        after_samples(d, 2)  # the daemon has a base for the worker's counters

    def step(self, worker_share: int) -> None:
        after_samples(self.d)
        self.busy, self.idle, self.worker = self.busy + 900, self.idle + 100, self.worker + worker_share
        write_process_stat(self.proc, self.pid, self.worker)
        write_pressure(self.proc, cpu_busy=self.busy, cpu_idle=self.idle)


def test_the_workers_own_cpu_does_not_close_the_gate(make_daemon, workdir):
    # Needs the daemon to tell the gate the worker's pid (gate.exclude_process_group).
    d = make_daemon(tweak=lambda c: c["pressure"].update(monitor_interval_ms=400, max_cpu_percent=50))
    assert d.post("/v1/control/start").status_code == 200
    pid = d.worker()["pid"]
    cpu = SteppedCpu(d, workdir / "proc", pid)

    for _ in range(3):
        cpu.step(worker_share=880)  # the machine 90% busy, 88 points of it the worker's inference
    # The reads must see the sample of a step: a later one finds no new ticks (no CPU figure).
    # On a loaded machine a sample can land between the reads; then step and read again.
    for _ in range(5):
        cpu.step(worker_share=880)
        after_samples(d)
        samples = counter(d, "voice_sidecar_pressure_samples_total")
        metrics = d.get("/v1/metrics").text
        status, g = gate(d)
        if counter(d, "voice_sidecar_pressure_samples_total") == samples:
            break
    else:
        raise AssertionError("no pressure interval was long enough to read one sample's figures")
    assert status == 200, g["reason"]
    assert g["pressure"]["cpu_percent_total"] == pytest.approx(90), "the machine's figure keeps the worker"
    assert g["pressure"]["cpu_percent"] == pytest.approx(2), "the figure that gates leaves it out"
    assert metric_value(metrics, "voice_sidecar_system_cpu_utilisation_ratio") == pytest.approx(0.9)
    assert metric_value(metrics, "voice_sidecar_cpu_utilisation_ratio") == pytest.approx(0.02)
    assert metric_value(metrics, "voice_sidecar_gate_closures_total") == 0
    assert d.get("/v1/health").json()["status"] == "ok"

    # The same load from anything else is pressure: the gate closes on it at once.
    cpu.step(worker_share=0)
    closed = wait_gate(d, 429)
    assert "cpu" in closed["reason"].lower()
    assert closed["pressure"]["cpu_percent"] == pytest.approx(90)
    assert closed["pressure"]["cpu_percent_total"] == pytest.approx(90)
    assert d.worker()["pid"] == pid, "CPU load never stops the running worker"
