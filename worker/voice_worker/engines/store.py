"""The model store: where `make models` puts the models it assembles, inside the worker's venv.

<sys.prefix>/share/voice-sidecar/models/<name>-<version>/, so a venv carries its own models and
the worker finds them with no state elsewhere. A model directory counts only once its stamp
(.complete) is there: it is built in a temporary sibling and renamed into place, so a crash or a
concurrent run leaves either nothing or a whole model, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

STAMP = ".complete"


def root() -> Path:
    return Path(sys.prefix) / "share" / "voice-sidecar" / "models"


def complete_dir(name: str) -> Path | None:
    """The store's directory of `name`, if it was fully built."""
    path = root() / name
    return path if (path / STAMP).is_file() else None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_once(name: str, build: Callable[[Path], str]) -> tuple[Path, bool]:
    """(directory, built now) of `name`; `build(tmp)` fills tmp and returns the stamp's text."""
    existing = complete_dir(name)
    if existing is not None:
        return existing, False
    target = root() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        stamp = build(tmp)
        (tmp / STAMP).write_text(stamp)
        os.chmod(tmp, 0o755)  # mkdtemp makes 0700; the daemon may run the worker as another user
        if target.exists():  # a stale half-built directory (no stamp) from an older layout
            shutil.rmtree(target)
        try:
            os.rename(tmp, target)
        except OSError:
            if complete_dir(name) is None:  # losing a race to a concurrent install is fine
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target, True
