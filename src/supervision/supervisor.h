// Supervisor owns the worker's lifecycle: one actor thread runs every start, stop, restart,
// crash recovery, liveness check and gate reaction in order, so there is only ever one
// lifecycle and never two workers.
//
// Requests are singleflight: a request that arrives while an identical one is queued or in
// flight shares its outcome; different requests run in arrival order, so the final state
// matches the last request. The async calls never wait: `done` is called exactly once, on the
// actor thread (or at once on the caller's, when the supervisor is not running), never under a
// lock of the supervisor's. Each call has a deadline, a timer in the actor, after which its
// caller is answered TimedOut. The blocking calls wait for that same answer.
//
// The lifecycle itself is a pure transition table (lifecycle.h); the actor turns mailbox items,
// timers and exits into its events and carries out its actions through a ProcessLauncher.
//
// Policies where DESIGN.md leaves a choice:
// - A start whose worker exits (or times out) before `ready` answers Failed, and that crash
//   still goes through backoff/auto_recover like any other: the daemon keeps trying within the
//   restart budget. A failed spawn (missing binary) is such a crash too (cause SpawnFailed).
// - Without auto_recover a crash leaves the worker `failed` (only an explicit start leaves it).
// - A stop queued behind a start still waiting for `ready` does not wait up to start_timeout:
//   that start answers Failed ("interrupted by a stop request") and the stop runs at once.
// - If the gate is closed when a backoff timer fires, the worker goes to `stopped` but stays
//   wanted; it is started when the gate reopens (counted as a crash restart).
// - A user's start or restart makes the worker wanted (like auto_start); a stop clears that.
//   Explicit start/restart/stop forget the crash history (Backoff::reset).
// - restart with the gate closed answers GateClosed without stopping the running worker.
// - restart during a recording ends the worker without a flush (SIGTERM first): the pump
//   replays what it had not acknowledged, whole, into the next worker.
// - Stopping is a phase, not a blocking call: while a worker stops (shutdown line → SIGTERM →
//   SIGKILL, each after its timeout) the actor still answers pongs, gate changes and callers.
// - A start or restart whose callers all timed out before it began is dropped, so a client
//   told "timed out" never finds a worker started behind its back; a stop still runs.
//
//   Supervisor sup(config, gate, bus);
//   sup.begin();                         // starts the actor; honours worker.auto_start
//   Outcome o = sup.start("api_start");  // 200 / 503 in the HTTP layer
//   sup.stop("api_stop", [](const Outcome& o) { reply(o); });   // without a waiting thread
//   sup.shutdown();                      // graceful stop, joins; the destructor does it too
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "gate/heavy_load_gate.h"
#include "events/event_bus.h"
#include "worker_pipe/ipc_stats.h"
#include "worker_pipe/worker_link.h"
#include "supervision/outcome.h"
#include "supervision/worker_state.h"

namespace vs {

struct SupervisorDeps;  // supervisor_deps.h: a launcher, a clock and the jitter, for tests

class Supervisor {
 public:
  // `bus` is the daemon-wide EventBus: every worker event is forwarded there, and the
  // supervisor publishes worker_state events on it.
  Supervisor(const Config& config, HeavyLoadGate& gate, EventBus& bus);
  Supervisor(const Config& config, HeavyLoadGate& gate, EventBus& bus, SupervisorDeps&& deps);
  ~Supervisor();

  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void begin();

  using Completion = std::function<void(const Outcome&)>;
  void start(const std::string& reason, Completion done);
  void stop(const std::string& reason, Completion done);
  void restart(const std::string& reason, Completion done);

  // The same, waiting for the outcome (the CLI, tests).
  Outcome start(const std::string& reason);
  Outcome stop(const std::string& reason);
  Outcome restart(const std::string& reason);

  // Stops the worker gracefully and ends the actor; every caller still waiting is answered
  // Failed ("supervisor is shutting down"). Idempotent.
  void shutdown();

  // Calls `reply` on the actor thread once the actor gets to it through its mailbox, behind
  // whatever was posted before: proof that the actor still turns (the daemon's systemd
  // watchdog). Never called once the supervisor has shut down.
  void heartbeat(std::function<void()> reply);

  // New backoff numbers (a reload) for the crashes to come; a restart already scheduled keeps
  // its delay, and the crash history stays.
  void set_backoff(const BackoffConfig& backoff);
  // Reloaded stt.* settings: the next worker it starts gets them; a running one keeps its model.
  void set_stt(const SttConfig& stt);

  WorkerSnapshot snapshot() const;
  SupervisorCounters counters() const;
  IpcStats ipc_stats() const;  // of the current worker instance (zeros if none), plus history

  // The audio path's handle on the ready worker: holds its link while it is running, nothing
  // otherwise. Swapped by the actor; read by the pump without any lock of the supervisor's.
  const WorkerLinkSlot& worker_link() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs
