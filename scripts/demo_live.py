"""The live half of `make demo`: records a speech file through the daemon at real-time pace and
shows the transcript as it comes off /v1/events — partial text updating in place, each final
as a line — then the recording's figures. It uses the project's own client (voice_sidecar).

    python scripts/demo_live.py --socket /run/.../sidecar.sock speech.wav
"""
from __future__ import annotations

import argparse
import sys
import time
import wave

import numpy as np

from voice_sidecar import SidecarClient
from voice_sidecar.events import FinalText, PartialText, RecordingStopped


def clock(ms: float) -> str:
    return f"{int(ms // 60000)}:{ms / 1000 % 60:04.1f}"


def voiced_ms(path: str) -> np.ndarray:
    """Start times (ms) of the file's 10 ms windows that carry voice (energy well above silence),
    so each final can be timed from the last word it covers, as a listener would."""
    with wave.open(path) as w:
        rate, channels = w.getframerate(), w.getnchannels()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, channels).mean(axis=1)
    hop = rate // 100
    rms = np.sqrt(np.mean(pcm[: len(pcm) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    return np.flatnonzero(rms > 0.05 * rms.max()) * 10.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("file")
    args = ap.parse_args()
    tty = sys.stdout.isatty()
    voiced = voiced_ms(args.file)
    with SidecarClient(socket_path=args.socket) as client:
        started_at = time.monotonic()
        rec = client.start_recording("file", path=args.file, realtime=True)
        print(f"  recording {rec.id}: GET /v1/events?recording={rec.id}", flush=True)
        # That recording's events alone, from its start (however late we subscribe) to its stop.
        events = client.events(recording=rec.id)
        after_end: list[float] = []
        partial_shown = False
        for ev in events:
            if isinstance(ev, PartialText) and tty:
                print(f"\r\033[K\033[2m  … {ev.text}\033[0m", end="", flush=True)
                partial_shown = True
            elif isinstance(ev, FinalText):
                if partial_shown:
                    print("\r\033[K", end="")
                    partial_shown = False
                # At real-time pace, recording time t is spoken at started + t: this is how long
                # after the utterance's last word its final text was on screen.
                span = voiced[(voiced >= (ev.start_ms or 0)) & (voiced <= (ev.end_ms or 0))]
                last_word_ms = (span[-1] + 10) if len(span) else (ev.end_ms or 0)
                wait = time.monotonic() - started_at - last_word_ms / 1000
                after_end.append(wait)
                if ev.text:
                    print(f"  [{clock(ev.start_ms or 0)}] {ev.text}   \033[2m(+{wait:.2f} s)\033[0m"
                          if tty else f"  [{clock(ev.start_ms or 0)}] {ev.text}   (+{wait:.2f} s)", flush=True)
            elif isinstance(ev, RecordingStopped):
                d = ev.data
                print(f"\n  recording stopped ({d.get('reason')}): frames captured {d.get('frames_captured')}, "
                      f"sent {d.get('frames_sent')}, acked {d.get('frames_acked')}, lost {d.get('frames_lost')}")
                if after_end:
                    after_end.sort()
                    print(f"  text on screen after the last word: median {after_end[len(after_end) // 2]:.2f} s, "
                          f"worst {after_end[-1]:.2f} s over {len(after_end)} utterances")
                return 0 if d.get("frames_lost") == 0 else 1
    return 1


if __name__ == "__main__":
    sys.exit(main())
