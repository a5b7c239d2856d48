"""Measures the control plane on this machine: /v1/health round trips over TCP and over a Unix
socket (one keep-alive connection), and start → running → stop with the bundled worker.

    .venv/bin/python bench/control_plane.py [build/voice-sidecar]
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from harness import Daemon, bench_config, wait_until  # noqa: E402


def percentiles(samples_ms: list[float]) -> str:
    q = statistics.quantiles(samples_ms, n=100)
    return f"p50 {q[49]:.2f} ms, p99 {q[98]:.2f} ms (n={len(samples_ms)})"


def health_round_trips(d: Daemon, n: int = 2000) -> str:
    with d.client() as c:
        c.get("/v1/health")
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            c.get("/v1/health").raise_for_status()
            samples.append((time.perf_counter() - t0) * 1000)
    return percentiles(samples)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="vs-bench-"))
    for transport in ("tcp", "unix"):
        # The machine's real /proc; a busy CPU must not close the gate on the model-load timing.
        d = Daemon(config=bench_config(work, transport), workdir=work).start()
        try:
            print(f"GET /v1/health over {transport}: {health_round_trips(d)}")
            if transport == "unix":
                starts, stops = [], []
                for _ in range(5):
                    t0 = time.perf_counter()
                    assert d.post("/v1/control/start").status_code == 200
                    starts.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    assert d.post("/v1/control/stop").status_code == 200
                    stops.append(time.perf_counter() - t0)
                print(f"start → ready, bundled worker (model load): median {statistics.median(starts):.2f} s, "
                      f"max {max(starts):.2f} s (n=5)")
                print(f"graceful stop (shutdown line → exit → reap): median {statistics.median(stops)*1000:.0f} ms, "
                      f"max {max(stops)*1000:.0f} ms (n=5)")
        finally:
            d.stop()


if __name__ == "__main__":
    main()
