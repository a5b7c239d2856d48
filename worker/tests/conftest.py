"""Shared fixtures for the voice worker tests, and the benchmark report in the terminal summary."""

from __future__ import annotations

import json
from typing import Iterator

import numpy as np
import pytest

from worker_harness import BENCH, Worker, concat, espeak, silence

SENTENCES = (
    "Please open the window because it is very warm in this room",
    "The weather today is sunny with a light breeze from the west",
    "Can you send me the notes from our meeting this morning",
)
# More sentences for the long stream: repeating the same three would make Whisper's output
# look like a repetition loop (high compression ratio), which the worker rightly drops.
MORE_SENTENCES = (
    "My favorite color is blue and I like to walk in the park",
    "We should finish the report before the end of the week",
    "Turn off the lights in the kitchen and lock the front door",
    "I would like a cup of coffee with milk and no sugar",
    "The children played outside until the sun went down",
)


@pytest.fixture(scope="session")
def speech() -> np.ndarray:
    """One espeak-ng sentence with a little silence around it."""
    return concat([silence(0.3), espeak(SENTENCES[0]), silence(0.2)])


@pytest.fixture(scope="session")
def continuous_speech() -> np.ndarray:
    """About 20 s of sentences separated by pauses of 0.3-0.4 s: one long stretch of speech."""
    parts: list[np.ndarray] = []
    total = 0
    i = 0
    while total < 20 * 16000:
        text = (SENTENCES + MORE_SENTENCES)[i]
        parts += [espeak(text, wpm=150 + 25 * (i % 2)), silence(0.3 + 0.1 * (i % 2))]
        total += len(parts[-2]) + len(parts[-1])
        i += 1
    return concat(parts)


@pytest.fixture
def echo_worker() -> Iterator[Worker]:
    with Worker("--engine", "echo") as w:
        yield w
        assert not w.non_json, f"stdout carried non-JSON lines: {w.non_json[:3]}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not BENCH:
        return
    terminalreporter.section("voice worker benchmark")
    for key in sorted(BENCH):
        terminalreporter.write_line(f"{key}: {json.dumps(BENCH[key])}")
