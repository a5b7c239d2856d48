"""`python -m voice_worker.models install|list`: builds the optional models of the catalog into the
venv's model store (engines/store.py), from packages already installed by `make models`.

Offline and idempotent: a model already built is left alone; one whose package is missing is
skipped with a note, so installing only some of the packages works.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Callable, Sequence

from .engines import catalog, install_base, install_moonshine
from .engines.install_base import InstallError

# catalog name -> (is its package there, build it)
INSTALLERS: dict[str, tuple[Callable[[], bool], Callable[[], tuple[object, bool]]]] = {
    "base": (install_base.packages_present, install_base.install),
    "moonshine-base-en": (install_moonshine.package_present, install_moonshine.install),
}


def install(names: Sequence[str]) -> int:
    failed = 0
    for name in names:
        present, build = INSTALLERS[name]
        if not present():
            entry = catalog.find(name)
            print(f"{name}: skipped, its package {entry.package if entry else '?'} is not installed")
            continue
        t0 = time.monotonic()
        try:
            path, built = build()
        except (InstallError, OSError, ValueError) as exc:
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{name}: {'built' if built else 'already built'} in {path} ({time.monotonic() - t0:.1f} s)")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m voice_worker.models",
                                description="Build the optional models (docs/MODELS.md) into this venv.")
    sub = p.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help="build the models whose packages are installed")
    inst.add_argument("names", nargs="*", metavar="NAME", help=f"which ({', '.join(INSTALLERS)}); default: all")
    sub.add_parser("list", help="the catalog: each model, and where it is if installed")
    ns = p.parse_args(argv)
    # onnxruntime's quantizer warns through the root logger about a pre-processing step that
    # only matters for static quantisation.
    logging.basicConfig(level=logging.ERROR)
    if ns.command == "install":
        unknown = [n for n in ns.names if n not in INSTALLERS]
        if unknown:
            p.error(f"no installer for {', '.join(unknown)}: choose from {', '.join(INSTALLERS)}")
        return install(ns.names or list(INSTALLERS))
    for m in catalog.CATALOG:
        print(f"{m.name:20} {m.engine:15} {m.locate() or '-- not installed (' + m.package + ')'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
