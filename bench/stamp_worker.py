#!/usr/bin/env python3
"""A minimal protocol worker for bench/pipeline_overhead.py --stamp: like
tests/fixtures/test_worker.py it acks every audio_frame at once, but each ack also carries
`t_read` and `t_write` (CLOCK_MONOTONIC seconds: line read from stdin, ack about to be written),
so the daemon's inbound path (client -> ... -> worker stdin) and outbound path (worker stdout ->
... -> SSE client) can be timed separately. Not a test fixture; nothing else uses it.
"""
import json
import sys
import time


def main() -> int:
    out = sys.stdout
    out.write(json.dumps({"type": "ready", "protocol": 1, "engine": "stamp", "model": "none",
                          "sample_rate": 16000}) + "\n")
    out.flush()
    received = 0
    for raw in sys.stdin.buffer:
        t_read = time.monotonic()
        msg = json.loads(raw)
        kind = msg.get("type")
        if kind == "audio_frame":
            received += 1
            line = {"type": "ack", "seq": msg["seq"], "received": received, "t_read": t_read}
        elif kind == "ping":
            line = {"type": "pong", "id": msg.get("id")}
        elif kind == "flush":
            line = {"type": "final_text", "utterance": 0, "text": "", "start_ms": 0, "end_ms": 0, "latency_ms": 0}
        elif kind == "shutdown":
            return 0
        else:
            continue
        if kind == "audio_frame":
            line["t_write"] = time.monotonic()
        out.write(json.dumps(line) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
