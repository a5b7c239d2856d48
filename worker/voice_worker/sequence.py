"""Which audio_frame seqs to accept: the audio clock only moves forward, but never gets stuck.

The rule (DESIGN.md §3: seq starts at 0 and increases by 1 per frame):
  * seq == expected: in order, accepted.
  * expected < seq <= expected + MAX_JUMP_FRAMES: a gap (frames lost on the way), accepted and
    reported once; the missing frames are never waited for.
  * seq < expected ("behind": late or repeated) or seq > expected + MAX_JUMP_FRAMES (an
    implausible jump: more than the daemon could have lost): dropped and reported, and `expected`
    does not move -- one corrupt seq must not push the clock somewhere the sender never goes.
  * ... unless RESYNC_RUN such rejected frames in a row carry consecutive seqs: then the sender
    really is counting from there (a corrupt frame had moved `expected` ahead, or the sender
    restarted its count), and dropping its audio forever would be worse than following it. The
    third frame is accepted and `expected` continues after it.
Acks never go backwards (acks.py), so after resyncing backwards they do not cover the re-used
seqs until the stream passes the old high-water mark.
Pure logic; the reader thread owns the only instance.
"""

from __future__ import annotations

from dataclasses import dataclass

# 5 s of 10 ms frames, the size of the daemon's own ring: a jump beyond it cannot be loss.
MAX_JUMP_FRAMES = 500
RESYNC_RUN = 3


@dataclass(frozen=True, slots=True)
class Verdict:
    accept: bool
    problem: str | None = None  # what to report as a recoverable BAD_FRAME, if anything
    missing: int = 0  # frames skipped by an accepted gap
    behind: bool = False  # dropped as late/repeated (not as a jump)
    resynced: bool = False


class SeqTracker:
    def __init__(self) -> None:
        self.expected = 0
        self._run_len = 0  # consecutive rejected frames with consecutive seqs ...
        self._run_next = -1  # ... and the seq that would extend that run

    def check(self, seq: int) -> Verdict:
        expected = self.expected
        if expected <= seq <= expected + MAX_JUMP_FRAMES:
            self.expected = seq + 1
            self._run_len = 0
            if seq == expected:
                return Verdict(True)
            missing = seq - expected
            return Verdict(True, f"seq gap: expected {expected}, got {seq} ({missing} frames missing)",
                           missing=missing)
        self._run_len = self._run_len + 1 if self._run_len and seq == self._run_next else 1
        self._run_next = seq + 1
        if self._run_len >= RESYNC_RUN:
            self.expected = seq + 1
            self._run_len = 0
            return Verdict(True, f"resynchronised to seq {seq} after {RESYNC_RUN} consecutive frames "
                           f"from there (expected {expected})", resynced=True)
        if seq < expected:
            return Verdict(False, f"seq {seq} out of order (expected {expected}); frame dropped", behind=True)
        return Verdict(False, f"seq {seq} jumps {seq - expected} frames ahead of {expected} "
                       f"(more than {MAX_JUMP_FRAMES}); frame dropped")
