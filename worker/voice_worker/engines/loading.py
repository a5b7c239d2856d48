"""From the worker's settings to a loaded engine: a catalog name or a directory, checked."""

from __future__ import annotations

import logging
import os

from ..config import Config
from . import catalog
from .base import Engine, ModelLoadError

log = logging.getLogger(__name__)


def resolve_model(cfg: Config) -> tuple[str, str, str]:
    """(engine, directory, name for the ready line) of cfg.model, or of the engine's default.

    A catalog name brings its engine: stt.model=moonshine-base-en runs on moonshine whatever
    stt.engine says (a warning tells), since no other engine can run it. A directory runs on
    stt.engine."""
    name = cfg.model or catalog.DEFAULT_MODEL[cfg.engine]
    entry = catalog.find(name)
    if entry is not None:
        path = entry.locate()
        if path is None:
            raise ModelLoadError(f"model {name} is not installed (package {entry.package}; `make models` "
                                 f"installs the optional models); installed: {catalog.installed_names()}")
        if entry.engine != cfg.engine:
            log.warning("model %s runs on the %s engine, not %s: using %s (set stt.engine to %s to "
                        "silence this)", name, entry.engine, cfg.engine, entry.engine, entry.engine)
        return entry.engine, path, name
    if os.path.isdir(name):
        path = os.path.abspath(name)
        return cfg.engine, path, path
    raise ModelLoadError(f"unknown model {name!r}: not a catalog name and not a directory; installed: "
                         f"{catalog.installed_names()}")


def load_engine(cfg: Config) -> Engine:
    if cfg.engine == "echo":
        from .testing import EchoEngine

        return EchoEngine()
    if cfg.engine == "stall":
        from .testing import StallEngine

        return StallEngine()
    engine, model_dir, display_name = resolve_model(cfg)
    if engine == "moonshine":
        from .moonshine import MoonshineEngine

        return MoonshineEngine(model_dir, display_name, cfg.cpu_threads, defaults=cfg.decode)
    from .faster_whisper import FasterWhisperEngine

    return FasterWhisperEngine(model_dir, display_name, cfg.cpu_threads, compute_type=cfg.compute_type,
                               device=cfg.device, defaults=cfg.decode)
