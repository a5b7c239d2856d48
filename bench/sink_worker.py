#!/usr/bin/env python3
"""The cheapest worker that still keeps the protocol: for bench/throughput.py, to show the daemon's
own ceiling when the worker costs next to nothing. It does not decode JSON or audio: it finds
`"seq":` in each audio_frame line and writes a cumulative `ack` (DESIGN.md §3: an ack covers every
frame up to its seq) every --every frames and on flush; it answers ping and exits on shutdown/EOF.
It does check that the seqs come in order (0, 1, 2, ...), so a gap or reorder is still an error.
"""
import json
import re
import sys

SEQ = re.compile(rb'"seq":(\d+)')


def main() -> int:
    every = int(sys.argv[sys.argv.index("--every") + 1]) if "--every" in sys.argv else 100
    out = sys.stdout.buffer
    out.write(b'{"type":"ready","protocol":1,"engine":"sink","model":"none","sample_rate":16000}\n')
    out.flush()
    expected = 0
    for line in sys.stdin.buffer:
        if b'"audio_frame"' in line:
            seq = int(SEQ.search(line).group(1))
            if seq != expected:
                out.write(b'{"type":"error","code":"BAD_FRAME","recoverable":true,"message":"seq %d, expected %d"}\n'
                          % (seq, expected))
            expected = seq + 1
            if expected % every == 0:
                out.write(b'{"type":"ack","seq":%d,"received":%d}\n' % (seq, expected))
                out.flush()
        elif b'"flush"' in line:
            out.write(b'{"type":"ack","seq":%d,"received":%d}\n' % (expected - 1, expected))
            out.write(b'{"type":"final_text","utterance":0,"text":"","start_ms":0,"end_ms":0,"latency_ms":0}\n')
            out.flush()
        elif b'"ping"' in line:
            out.write(json.dumps({"type": "pong", "id": json.loads(line).get("id")}).encode() + b"\n")
            out.flush()
        elif b'"shutdown"' in line:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
