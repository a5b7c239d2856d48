// Daemon wires the pieces together for `voice-sidecar serve` and runs until SIGTERM/SIGINT:
//
//   gate (pressure) ─┐
//   EventBus ────────┼─> Supervisor (worker lifecycle, IPC) ─> /v1 API ─> HttpServer
//   listen socket ───┘
//
// Shutdown order matters and lives here: stop the worker gracefully (shutdown line first,
// never a SIGKILL for a worker that obeys; control calls still waiting get their answer), end
// the event streams, stop the HTTP server once its handlers are done, remove the socket file.
#pragma once

#include "config/config.h"

namespace vs {

// Blocks SIGTERM and SIGINT and ignores SIGPIPE; call first in main, before any thread exists,
// so every thread inherits the mask and only run_daemon()'s sigwait receives them.
void block_daemon_signals();

// Returns the process exit code: 0 after a clean signal-driven shutdown, 1 when the daemon
// could not start (for example the socket is taken).
int run_daemon(const LoadedConfig& loaded);

}  // namespace vs
