"""The worker's stderr reaches the daemon's log within a per-instance rate limit: a flood is cut
to the burst plus the steady rate, every line left out is counted in /v1/metrics and summed up
in the log, the daemon stays cheap while it drops, and a crash's traceback comes through whole."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

from harness import Daemon, metric_value, wait_until

# The daemon's limits (src/worker_pipe/stdio_reader.h, StderrLimits).
BURST = 200
RATE = 50
FLOOD_S = 3.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` (all its threads) from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)


def metrics(d: Daemon) -> str:
    return d.get("/v1/metrics").text


def test_a_stderr_flood_is_rate_limited_counted_and_summed_up(make_daemon, workdir: Path) -> None:
    count_file = workdir / "flood-count"
    d = make_daemon(worker_args=("--stderr-flood-seconds", str(FLOOD_S), "--stderr-flood-count", str(count_file)))
    assert d.proc
    cpu_before = cpu_seconds(d.proc.pid)
    t_before = time.monotonic()
    assert d.post("/v1/control/start").status_code == 200  # the flood starts right after ready
    pid = d.wait_state("running")["pid"]
    written = int(wait_until(lambda: count_file.exists() and count_file.read_text(), FLOOD_S + 20,
                             "the flood to end"))
    wall = time.monotonic() - t_before
    cpu = cpu_seconds(d.proc.pid) - cpu_before

    # Every line the worker wrote was read and counted, logged or dropped.
    wait_until(lambda: metric_value(metrics(d), "voice_sidecar_worker_stderr_lines_total") >= written, 10,
               "the daemon to read the whole flood")
    text = metrics(d)
    assert metric_value(text, "voice_sidecar_worker_stderr_lines_total") == written
    dropped = int(metric_value(text, "voice_sidecar_worker_stderr_dropped_lines_total"))

    flood_line = re.compile(rf"worker\[{pid}\] test worker flood line \d+$")

    def relayed() -> int:
        return sum(1 for line in list(d.log_lines) if flood_line.search(line))

    # The log is written asynchronously: wait until what was admitted is there.
    wait_until(lambda: relayed() == written - dropped, 10,
               f"{written - dropped} relayed lines in the log (have {relayed()})")
    n = relayed()
    print(f"\nstderr flood: {written} lines written in {FLOOD_S} s, {n} relayed, {dropped} dropped; "
          f"daemon CPU {cpu:.2f} s over {wall:.1f} s ({100 * cpu / wall:.0f} % of a core)")
    assert n <= BURST + RATE * (wall + 1) + 10, n
    assert n >= BURST, n  # the first lines always come through
    assert dropped == written - n
    assert "worker[%d] test worker flood line 0" % pid in d.log()  # the flood's start, intact

    # One summary per period with drops; the flood is shorter than the 5 s period, so all of its
    # drops are in summaries that add up to the counter.
    summary = re.compile(r"worker stderr: dropped (\d+) lines in the last ([\d.]+) s "
                         rf"\(rate limit {RATE} lines/s.*worker pid {pid}\)")

    def summed() -> int:
        return sum(int(m.group(1)) for line in list(d.log_lines) if (m := summary.search(line)))

    wait_until(lambda: summed() == dropped, 10, f"summary lines adding up to {dropped}")
    summaries = [line for line in d.log_lines if summary.search(line)]
    print("summary:", summaries)
    assert 1 <= len(summaries) <= 2, summaries

    # Dropping is cheap: reading and counting a few million lines takes a fraction of a core
    # (unlimited, a flood took half a core). A generous bound for a busy 2-core machine.
    assert cpu < 0.5 * wall, f"daemon used {cpu:.2f} s of CPU over {wall:.1f} s"
    assert d.worker()["state"] == "running"


def test_a_traceback_at_start_up_comes_through_whole(make_daemon) -> None:
    d = make_daemon(worker_args=("--stderr-lines", "60", "--exit-at-once", "1"))
    d.post("/v1/control/start")  # fails: the worker exits before ready
    line = re.compile(r"worker\[(\d+)\] test worker log line (\d+)$")

    def first_instance_lines() -> list[int] | None:
        seen: dict[str, list[int]] = {}
        for text in list(d.log_lines):
            if m := line.search(text):
                seen.setdefault(m.group(1), []).append(int(m.group(2)))
        whole = [v for v in seen.values() if len(v) >= 60]
        return whole[0] if whole else None

    numbers = wait_until(first_instance_lines, 15, "a worker instance's 60 stderr lines in the log")
    assert numbers == list(range(60))
    assert metric_value(metrics(d), "voice_sidecar_worker_stderr_dropped_lines_total") == 0
    assert "worker stderr: dropped" not in d.log()
