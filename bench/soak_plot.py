#!/usr/bin/env python3
"""The PNG of a scripts/soak run: daemon and worker RSS and CPU over time, the warm-up shaded.

Reads the soak's CSV (one row per 10 s sample) and draws three panels sharing the time axis:
the daemon's RSS (MB), the worker's RSS (MB), and both processes' CPU in % of one core. The
daemon and the worker differ by ~20x in both memory and CPU, so each RSS gets its own panel and
the daemon's CPU its own axis on the right; on a shared scale the daemon would be a flat line.

Needs matplotlib, which lives in .venv-bench only (bench/plot-requirements.txt):

    .venv-bench/bin/python bench/soak_plot.py build/soak-*/soak.csv build/soak-*/soak.png --warmup-s 120
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server; the PNG is the only output
import matplotlib.pyplot as plt  # noqa: E402


def column(rows: list[dict[str, str]], name: str) -> list[float]:
    """The column as floats; an empty cell (a sample that could not be taken) becomes NaN so the
    line shows a gap instead of a false drop to zero."""
    return [float(r[name]) if r.get(name) not in (None, "") else float("nan") for r in rows]


def plot(rows: list[dict[str, str]], out: Path, warmup_s: float, title: str) -> None:
    minutes = [t / 60 for t in column(rows, "t_s")]
    fig, (ax_d, ax_w, ax_c) = plt.subplots(3, 1, figsize=(10, 8.5), sharex=True,
                                           gridspec_kw={"height_ratios": [1, 1, 1.2]})
    ax_d.plot(minutes, [kb / 1024 for kb in column(rows, "daemon_rss_kb")], color="tab:blue", lw=1.2)
    ax_d.set_ylabel("daemon RSS (MB)")
    ax_w.plot(minutes, [kb / 1024 for kb in column(rows, "worker_rss_kb")], color="tab:orange", lw=1.2)
    ax_w.set_ylabel("worker RSS (MB)")
    ax_c.plot(minutes, column(rows, "worker_cpu_pct"), color="tab:orange", lw=1, label="worker")
    ax_c.set_ylabel("worker CPU (% of a core)", color="tab:orange")
    ax_c2 = ax_c.twinx()
    ax_c2.plot(minutes, column(rows, "daemon_cpu_pct"), color="tab:blue", lw=1, label="daemon")
    ax_c2.set_ylabel("daemon CPU (% of a core)", color="tab:blue")
    ax_c.set_xlabel("minutes since the worker was started")
    for ax in (ax_d, ax_w, ax_c):
        ax.axvspan(0, warmup_s / 60, color="0.85", zorder=0)
        ax.grid(True, alpha=0.3)
    ax_d.text(warmup_s / 120, 0.95, "warm-up", transform=ax_d.get_xaxis_transform(), ha="center", va="top",
              fontsize=9, color="0.35")
    lines = ax_c.get_lines() + ax_c2.get_lines()
    ax_c.legend(lines, [ln.get_label() for ln in lines], loc="upper right", fontsize=9)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", type=Path)
    ap.add_argument("png", type=Path)
    ap.add_argument("--warmup-s", type=float, default=120.0)
    ap.add_argument("--title", default="voice-sidecar soak")
    args = ap.parse_args()
    with args.csv.open() as f:
        rows = list(csv.DictReader(f))
    plot(rows, args.png, args.warmup_s, args.title)
    print(args.png)


if __name__ == "__main__":
    main()
