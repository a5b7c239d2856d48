#!/usr/bin/env python3
"""A unified supervisor that starts the voice sidecar by the contract of DESIGN.md §7.

Configure it with the JARVIS_VOICE_SIDECAR_* variables (see docs/SUPERVISOR_CONTRACT.md), then:

    python3 examples/unified_supervisor.py

It prints each phase and its outcome, `JARVIS_BACKEND_MINIMAL=true` when it sets it, stays up
until SIGINT/SIGTERM and shuts down through the contract. Exit codes: 0 ok, 1 internal error,
2 bad configuration, 3 required sidecar failed.

Run with a plain `python3`, it re-executes itself with the repository's .venv interpreter when
the voice_sidecar package is not importable there (the project's set-up installs it into .venv).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

try:
    from voice_sidecar.supervisor import main
except ImportError:
    here = Path(__file__).resolve()
    if not os.environ.get("_VOICE_SIDECAR_REEXEC"):  # once only: never loop
        for parent in here.parents:
            venv_python = parent / ".venv" / "bin" / "python"
            if venv_python.is_file():
                os.environ["_VOICE_SIDECAR_REEXEC"] = "1"
                os.execv(str(venv_python), [str(venv_python), str(here), *sys.argv[1:]])
    sys.exit("unified_supervisor: the voice_sidecar package is not installed "
             "(pip install -e clients/python, or run scripts/setup.sh)")

if __name__ == "__main__":
    sys.exit(main())
