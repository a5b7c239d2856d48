"""A runnable supervisor that performs the contract: phase 2, phase 3, then waits for
SIGINT/SIGTERM and shuts down through the contract (`python -m voice_sidecar.supervisor`, the
`voice-sidecar-supervisor` script, or examples/unified_supervisor.py).

It prints one line per phase and outcome on stdout (and `JARVIS_BACKEND_MINIMAL=true` when it
sets it), then `supervisor: running` once startup is done.

Exit codes:
  0  startup done, then stopped by SIGINT/SIGTERM (or stopped during startup)
  1  an unexpected internal error
  2  a JARVIS_VOICE_SIDECAR_* variable has a bad value (the line names it)
  3  the sidecar is required and startup failed (the line `supervisor: FAILED [...]` says why)
"""
from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Callable, MutableMapping, Sequence

from .config import ConfigError, ContractConfig
from .contract import (EXIT_CONFIG, EXIT_INTERNAL, EXIT_OK, EXIT_REQUIRED_FAILED, PhaseResult,
                       SidecarContract)


def _say(line: str) -> None:
    print(line, flush=True)


def run(config: ContractConfig, stop: threading.Event, say: Callable[[str], None] = _say,
        environ: MutableMapping[str, str] | None = None) -> int:
    """Phases 2 and 3, wait for `stop`, shutdown. Returns the exit code. `environ` (default
    os.environ) is what a spawned sidecar inherits and where JARVIS_BACKEND_MINIMAL is set."""
    contract = SidecarContract(config, environ=environ, log=say, cancel=stop)
    say(f"supervisor: sidecar enabled={config.enabled} required={config.required} "
        f"manage_worker={config.manage_worker} transport={config.transport} "
        f"endpoint={config.endpoint().describe() if config.enabled else '-'}")
    failed: PhaseResult | None = None
    try:
        for phase in (contract.phase2, contract.phase3):
            if stop.is_set():
                break
            result = phase()
            say(result.line())
            if result.failed:
                failed = result
                break
        if failed is None and not stop.is_set():
            say("supervisor: running (SIGINT or SIGTERM stops it)")
            while not stop.wait(0.5):  # a timed wait: signal handlers run promptly
                pass
    finally:
        say(contract.shutdown().line())
    if failed is not None:
        say(f"supervisor: FAILED [{failed.reason}] {failed.detail}")
        return EXIT_REQUIRED_FAILED
    say("supervisor: stopped")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: reads the environment, installs the signal handlers, runs."""
    del argv  # configured by the environment only, like the seed's supervisor
    try:
        config = ContractConfig.from_env()
    except ConfigError as exc:
        print(f"supervisor: configuration error: {exc}", file=sys.stderr, flush=True)
        _say(f"supervisor: FAILED [config] {exc}")
        return EXIT_CONFIG
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        return run(config, stop)
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        _say(f"supervisor: internal error: {exc!r}")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
