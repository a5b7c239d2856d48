"""Bounded line splitting for stdin: an oversized line is skipped in small pieces, never held whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

_DISCARD_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Line:
    data: bytes  # without the trailing newline; empty when too_long
    too_long: bool = False
    length: int = 0  # bytes seen, for the error message of an oversized line


def read_line(stream: BinaryIO, max_bytes: int) -> Line | None:
    """Next line of at most max_bytes (newline excluded), or None at EOF.

    A longer line is drained up to its newline in 64 KiB pieces and reported as too_long, so
    memory stays bounded by max_bytes whatever the sender does.
    """
    data = stream.readline(max_bytes + 1)
    if not data:
        return None
    if data.endswith(b"\n"):
        return Line(data[:-1].rstrip(b"\r"))
    if len(data) <= max_bytes:
        return Line(data)  # last line without a newline before EOF: still a line
    seen = len(data)
    del data
    while True:
        piece = stream.readline(_DISCARD_CHUNK)
        seen += len(piece)
        if not piece or piece.endswith(b"\n"):
            return Line(b"", too_long=True, length=seen - (1 if piece.endswith(b"\n") else 0))
