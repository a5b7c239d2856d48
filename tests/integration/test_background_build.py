"""scripts/background_build, which `make test` uses to compile the sanitizer trees while the fast
tests run: the build yields (nice 19) while the tests run, gets the normal priority back once they
are done (else a busy machine starves it), and is killed with its children when the tests fail."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "background_build"


def run(build: str, test: str, tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), "sh", "-c", build, "--", "sh", "-c", test],
                          cwd=tmp_path, env={**os.environ, "BUILDER_LOG": str(tmp_path / "log")},
                          capture_output=True, text=True, timeout=timeout)


def alive(pid: int) -> bool:
    """True while pid runs (a zombie no longer does: its parent, or init, has yet to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(os.geteuid() != 0, reason="lowering a nice value needs privilege")
def test_the_build_yields_while_the_tests_run_and_not_after(tmp_path: Path) -> None:
    # The build records its nice value at the start, then waits (with a deadline) for the normal
    # priority the script gives back after the tests.
    build = ("ps -o ni= -p $$ > started; "
             "i=0; while [ $i -lt 200 ]; do "
             "  n=$(ps -o ni= -p $$ | tr -d ' '); "
             "  if [ \"$n\" -le 0 ]; then echo $n > finished; exit 0; fi; "
             "  i=$((i+1)); sleep 0.05; done; exit 1")
    # The tests end once the build has started (as `make test`'s take minutes).
    result = run(build, "while [ ! -s started ]; do sleep 0.02; done", tmp_path)
    assert result.returncode == 0, result.stderr
    assert int((tmp_path / "started").read_text()) == 19
    assert int((tmp_path / "finished").read_text()) <= 0


def test_failing_tests_stop_the_build_and_its_children(tmp_path: Path) -> None:
    # The build starts a child that would write a file much later; the tests fail at once.
    build = "sh -c 'sleep 5; touch late' & echo $! > child; wait"
    result = run(build, "while [ ! -f child ]; do sleep 0.02; done; exit 3", tmp_path)
    assert result.returncode == 3
    child = int((tmp_path / "child").read_text())
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(child):
        raise AssertionError(f"the build's child {child} still runs after the tests failed")
    assert not (tmp_path / "late").exists()
