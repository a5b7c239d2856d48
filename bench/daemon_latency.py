#!/usr/bin/env python3
"""User-visible latency through the daemon: bench/user_latency.py's speech set and analysis, but
the audio goes client -> voice-sidecar -> the real worker (tiny.en) and the events are read from
/v1/events, stamped on arrival by a separate process (bench/daemon_harness.py).

Two ways to feed the audio, both at real-time pace:
  --source upload  POST /v1/audio, chunked, one 10 ms frame per chunk written at its due time;
                   a frame's "written" time is when the client wrote it (what a live client sees)
  --source file    POST /v1/recording/start {"source":"file","realtime":true}: the daemon's file
                   reader paces itself; frame k is taken as spoken at t0 + k * 10 ms, t0 = arrival
                   of the recording_started event (an estimate, a few ms late at worst)

Reported as user_latency.py does (p50/p95): last word -> final_text, speech start -> first
partial_text, partials' latency_ms, WER, no_speech during speech vs after; the worker's `timing`
lines (VOICE_WORKER_TIMING=1) come from the daemon's log. --load keeps one core busy.

    .venv/bin/python bench/daemon_latency.py [--source upload|file] [--load] [--json]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
import wave
from pathlib import Path

from daemon_harness import EventTap, bench_daemon, loadavg, stream_audio
from user_latency import FRAME, RATE, analyse, build_stream, start_burner


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", choices=["upload", "file"], default="upload")
    ap.add_argument("--load", action="store_true", help="keep one core busy with a CPU burner during the run")
    ap.add_argument("--json", action="store_true", help="also print every utterance")
    ap.add_argument("--utterances", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise-rms", type=float, default=60.0)
    args = ap.parse_args()

    audio, utts = build_stream(args.utterances, args.seed, args.noise_rms)
    pcm = audio.astype("<i2").tobytes()
    with tempfile.TemporaryDirectory(prefix="vs-latency-") as tmp:
        burner = start_burner() if args.load else None
        d = bench_daemon(Path(tmp), None, env={"VOICE_WORKER_TIMING": "1"})
        try:
            d.start_worker()
            tap = EventTap(d.socket_path, Path(tmp) / "events.tsv")
            time.sleep(0.5)
            load_before = loadavg()
            if args.source == "upload":
                t_write, rec = stream_audio(d, pcm, realtime=True)
            else:
                wav = Path(tmp) / "speech.wav"
                with wave.open(str(wav), "wb") as w:
                    w.setnchannels(1)
                    w.setsampwidth(2)
                    w.setframerate(RATE)
                    w.writeframes(pcm)
                code, body = d.request("POST", "/v1/recording/start",
                                       {"source": "file", "path": str(wav), "realtime": True})
                assert code == 200, (code, body)
                while d.request("GET", "/v1/control/status")[1]["recording"]["state"] == "recording":
                    time.sleep(0.5)
            load_after = loadavg()
            events = tap.stop()
        finally:
            d.stop()
            if burner is not None:
                burner.kill()
                burner.wait()
        log = (Path(tmp) / "daemon.log").read_text(errors="replace").splitlines()
    if args.source == "file":
        t0 = next(t for t, e in events if e["type"] == "recording_started")
        t_write = [t0 + k * FRAME / RATE for k in range(len(audio) // FRAME)]
    stopped = [e for _, e in events if e["type"] == "recording_stopped"][-1]
    result = analyse(utts, t_write, events, log)
    result["recording"] = {k: stopped.get(k) for k in ("reason", "frames_sent", "frames_acked", "frames_lost")}
    result["condition"] = {"source": args.source,
                           "load": "one busy-looping process (one core)" if args.load else "none",
                           "loadavg_before": load_before, "loadavg_after": load_after,
                           "audio_s": round(len(audio) / RATE, 1), "seed": args.seed}
    if not args.json:
        result.pop("per_utterance")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
