"""Audio bodies for POST /v1/audio: a file object or an iterable of PCM chunks, streamed as a
chunked request body so a long recording never sits in memory."""
from __future__ import annotations

from typing import AsyncIterable, AsyncIterator, Iterable, Iterator, Protocol, Union, runtime_checkable

#: 100 ms of 16 kHz mono s16le: small enough to stream smoothly, large enough to be cheap.
DEFAULT_CHUNK_BYTES = 3200



@runtime_checkable
class Readable(Protocol):
    """A binary file object (open(..., "rb"), io.BytesIO, a socket's makefile, ...)."""

    def read(self, size: int = -1, /) -> bytes: ...


AudioSource = Union[Readable, Iterable[bytes]]
AsyncAudioSource = Union[Readable, Iterable[bytes], AsyncIterable[bytes]]


def pcm_chunks(source: AudioSource, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[bytes]:
    """Yields the non-empty chunks of `source` (a file object is read `chunk_bytes` at a time)."""
    # Checked first: a file object is also an iterable, but of lines, not of fixed chunks.
    if isinstance(source, Readable):
        while chunk := source.read(chunk_bytes):
            yield bytes(chunk)
        return
    for chunk in source:
        if chunk:
            yield bytes(chunk)


async def apcm_chunks(source: AsyncAudioSource,
                      chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> AsyncIterator[bytes]:
    """The async form of pcm_chunks: also accepts an async iterable of chunks."""
    if isinstance(source, AsyncIterable):
        async for chunk in source:
            if chunk:
                yield bytes(chunk)
        return
    for chunk in pcm_chunks(source, chunk_bytes):
        yield chunk
