// Daemon wires the pieces together for `voice-sidecar serve` and runs until SIGTERM/SIGINT:
//
//   gate (pressure) ─┐
//   EventBus ────────┼─> Supervisor (worker lifecycle, IPC) ─> /v1 API ─> HttpServer
//   listen socket ───┘
//
// Shutdown order matters and lives here: stop accepting requests, stop the worker
// gracefully (shutdown line first, never a SIGKILL for a worker that obeys), end the event
// streams, remove the socket file.
#pragma once

#include "config/config.h"

namespace vs {

// Blocks SIGTERM, SIGINT and SIGPIPE in the calling thread; call first in main, before any
// thread exists, so every thread inherits the mask and only run() receives them.
void block_daemon_signals();

// Returns the process exit code: 0 after a clean signal-driven shutdown, 1 when the daemon
// could not start (for example the socket is taken).
int run_daemon(const LoadedConfig& loaded);

}  // namespace vs
