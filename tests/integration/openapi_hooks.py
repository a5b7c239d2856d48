"""Schemathesis hooks for test_openapi.py (loaded through SCHEMATHESIS_HOOKS).

The audio route takes raw PCM under its own media type; schemathesis sends it as opaque bytes.
A 500 is never an answer the contract allows, even on the OpenAI route that documents one for a
recording the worker cut short: generated requests must not reach it."""
from __future__ import annotations

import schemathesis

schemathesis.serializer.alias("audio/L16;rate=16000;channels=1", "application/octet-stream")
schemathesis.serializer.alias("audio/L16", "application/octet-stream")


@schemathesis.check
def no_internal_error(ctx, response, case) -> None:
    """A 503 or 504 says the worker is unavailable now (documented, with a sentence); a 500 is a bug."""
    if response.status_code == 500:
        raise AssertionError(f"500 from {case.method} {case.path}: {response.text[:300]}")
