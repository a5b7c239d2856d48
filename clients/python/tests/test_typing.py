"""The package and the example supervisor are mypy --strict clean (py.typed ships)."""
from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[1]
# mypy's incremental cache in the (untracked) venv keeps repeat runs at about a second.
VENV = ROOT.parents[1] / ".venv"


def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    cache = VENV / ".mypy_cache" if VENV.is_dir() else tmp_path / "cache"
    stdout, stderr, status = api.run(["--strict", "--cache-dir", str(cache),
                                      str(ROOT / "src" / "voice_sidecar"),
                                      str(ROOT / "examples" / "unified_supervisor.py"),
                                      str(ROOT / "tests")])
    assert status == 0, stdout + stderr
    assert (ROOT / "src" / "voice_sidecar" / "py.typed").exists()
