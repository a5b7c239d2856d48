// Daemon wires the pieces together for `voice-sidecar serve` and runs until SIGTERM/SIGINT:
//
//   gate (pressure) ─┐
//   EventBus ────────┼─> Supervisor (worker lifecycle, IPC) ─> /v1 API ─> HttpServer
//   listen socket ───┘   (bound from listen.address, or the one systemd passed)
//
// Signals (signal_actions.h): SIGTERM/SIGINT/SIGQUIT shut down, SIGHUP reloads what can change
// at run time (config_reloader.h), SIGUSR1/SIGUSR2/SIGALRM are logged and ignored. Under systemd
// the daemon says READY=1 once it listens, STATUS= with the worker's state, WATCHDOG=1 while its
// supervisor actor and HTTP I/O threads turn, RELOADING=1 around a reload and STOPPING=1 first
// thing at shutdown.
//
// Shutdown order matters and lives here: stop the worker gracefully (shutdown line first,
// never a SIGKILL for a worker that obeys; control calls still waiting get their answer), end
// the event streams, stop the HTTP server once its handlers are done, remove the socket file
// (unless systemd made it).
#pragma once

#include "config/config.h"
#include "config/load_config.h"

namespace vs {

// Blocks the signals of signal_actions.h and ignores SIGPIPE; call first in main, before any
// thread exists, so every thread inherits the mask and only run_daemon()'s sigwait gets them.
void block_daemon_signals();

// Returns the process exit code: 0 after a clean signal-driven shutdown, 1 when the daemon
// could not start (for example the socket is taken), 2 when a socket systemd passed breaks a
// rule of the configuration. `sources` are read again on SIGHUP.
int run_daemon(const LoadedConfig& loaded, const ConfigSources& sources);

}  // namespace vs
