#!/usr/bin/env python3
"""Pipeline overhead of the daemon: a 10 ms frame written into a `POST /v1/audio` body at
real-time pace -> the test worker's `ack` for that frame received by an SSE client.

Path measured: client socket -> HTTP ingest -> ring -> pump -> worker link writer -> pipe ->
tests/fixtures/test_worker.py (json + base64 decode, ack line) -> pipe -> reader -> event bus ->
/v1/events -> client socket. A fresh daemon (so a fresh worker, whose ack seq k is the k-th frame
it received) per run; the event tap is a separate process stamping arrivals with CLOCK_MONOTONIC.

The HTTP ingest reads an upload body in 16 KiB pieces (src/http/http_server.cc: `async_read` into
a 16 KiB buffer body returns only when the buffer is full), so a real-time body reaches the ring
in bursts of ~51 frames every 512 ms. Besides the end-to-end figure ("as written"), each frame is
therefore also timed from the write that completed its 16 KiB piece ("from its piece's arrival":
what the ring -> pump -> pipe -> worker -> SSE path adds), and separately for the first frame of
each piece (no queue of earlier frames from the same burst in front of it).

With --stamp the worker is bench/stamp_worker.py, whose acks carry its own read/write times: the
figure is then split into inbound (frame written by the client -> line read by the worker) and
outbound (ack written by the worker -> received by the SSE client).

    .venv/bin/python bench/pipeline_overhead.py [--seconds 35] [--runs 3] [--stamp] [--json]
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from daemon_harness import FRAME_BYTES, PY, TEST_WORKER, EventTap, bench_daemon, loadavg, stream_audio

PIECE = 16 * 1024  # body bytes per ingest read
STAMP_WORKER = f"{PY} {Path(__file__).resolve().parent / 'stamp_worker.py'}"


def one_run(seconds: float, workdir: Path, stamp: bool) -> dict:
    rng = np.random.default_rng(0)
    pcm = rng.normal(0, 1000, int(seconds * 16000)).clip(-32768, 32767).astype("<i2").tobytes()
    d = bench_daemon(workdir, STAMP_WORKER if stamp else TEST_WORKER)
    try:
        d.start_worker()
        tap = EventTap(d.socket_path, workdir / "events.tsv")
        load_before = loadavg()
        t_write, rec = stream_audio(d, pcm, realtime=True)
        load_after = loadavg()
        events = tap.stop()
    finally:
        d.stop()
    acks = {e["seq"]: t for t, e in events if e["type"] == "ack"}
    split = {}
    if stamp:
        ack_ev = {e["seq"]: e for _, e in events if e["type"] == "ack"}
        split = {"inbound_write_to_worker_read": stats([(ack_ev[k]["t_read"] - t_write[k]) * 1000 for k in ack_ev]),
                 "worker_read_to_ack_write": stats([(ack_ev[k]["t_write"] - ack_ev[k]["t_read"]) * 1000 for k in ack_ev]),
                 "outbound_ack_write_to_sse": stats([(acks[k] - ack_ev[k]["t_write"]) * 1000 for k in ack_ev])}
    n = len(t_write)
    piece = lambda k: -(-FRAME_BYTES * (k + 1) // PIECE)  # noqa: E731  1-based 16 KiB piece holding frame k's end
    # the frame whose write completed piece b (the body's last frame for the short last piece)
    completes = lambda b: min(n - 1, -(-PIECE * b // FRAME_BYTES) - 1)  # noqa: E731
    written, arrived, first_in_piece = [], [], []
    for k in range(n):
        if k not in acks:
            continue
        written.append((acks[k] - t_write[k]) * 1000)
        arrived.append((acks[k] - t_write[completes(piece(k))]) * 1000)
        if k == 0 or piece(k - 1) != piece(k):
            first_in_piece.append(arrived[-1])
    return {"frames": n, "acked_on_sse": len(written), "as_written": stats(written),
            "from_piece_arrival": stats(arrived), "first_frame_of_piece": stats(first_in_piece), **split,
            "frames_lost": rec.get("frames_lost"), "loadavg_before": load_before, "loadavg_after": load_after}


def stats(ms: list[float]) -> dict:
    a = np.asarray(ms)
    q = lambda p: round(float(np.percentile(a, p)), 3)  # noqa: E731
    return {"n": len(a), "p50": q(50), "p99": q(99), "p99.9": q(99.9), "max": round(float(a.max()), 3),
            "over_2ms": int((a > 2).sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=35.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--stamp", action="store_true", help="bench/stamp_worker.py: split inbound/outbound")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="vs-overhead-") as tmp:
        for i in range(args.runs):
            r = one_run(args.seconds, Path(tmp) / f"run{i}", args.stamp)
            results.append(r)
            if not args.json:
                print(json.dumps(r), flush=True)
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
