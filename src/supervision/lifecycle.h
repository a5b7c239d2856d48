// Lifecycle is the worker's lifecycle as data and one pure transition function:
//
//   Transition t = step(std::move(lifecycle), event, facts);   // (state, event) → (state, actions)
//
// Events are what happened (a request taken from the inbox, a ready line, an exit, a timer, a gate
// transition); actions are what the actor must do about it (spawn, send the shutdown line, signal
// the group, arm a timer, complete a request, publish the snapshot). Nothing here does I/O, reads
// a clock or sleeps: `facts` brings the time and the gate's view, so the unit tests drive every
// transition by hand. The table itself is step() in lifecycle.cc — every (phase, event) pair
// handled in one place, with its guard.
//
// Stopping is a phase with deadlines, not a blocking call: shutdown line → stop_timeout → SIGTERM
// to the group → kill_timeout → SIGKILL → the exit (or, after kReapGrace, giving up).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"
#include "supervision/backoff.h"
#include "supervision/child_process.h"
#include "supervision/liveness.h"
#include "supervision/outcome.h"
#include "supervision/request_kind.h"
#include "supervision/worker_state.h"

namespace vs {

// How long a SIGKILLed worker may take to be reaped before the lifecycle gives up on it.
inline constexpr std::chrono::milliseconds kReapGrace{10000};

// ---- the phases -------------------------------------------------------------------------------
// The published WorkerState plus the two short in-between phases the public never sees:
// Launching (a Spawn is out; Spawned or SpawnFailed comes next) and Killing (a crashed worker got
// SIGKILL; its Exited finishes the crash).
enum class Phase { Stopped, Launching, Starting, Running, Stopping, Killing, Backoff, Failed };
const char* to_string(Phase p);

enum class TimerKind { StartDeadline, BackoffExpiry, Ping, StopTerm, StopKill, Reap };
inline constexpr int kTimerKinds = 6;

// What a stop does once the worker is gone.
enum class AfterStop { CompleteStop, Relaunch, PressureStop, Exit };
enum class StopStep { ShutdownSent, TermSent, KillSent };

// ---- events -----------------------------------------------------------------------------------
namespace ev {
struct Begin {};
struct StartRequested { uint64_t ticket; std::string reason; };
struct StopRequested { uint64_t ticket; std::string reason; };
struct RestartRequested { uint64_t ticket; std::string reason; bool feeding_recording = false; };
struct StopQueued {};  // a stop waits behind the request in flight
struct Spawned { pid_t pid; };
struct SpawnFailed { std::string message; };
struct Ready {
  std::string engine, model;
  std::vector<std::string> languages = {};
  std::vector<InstalledModel> models = {};
};
struct Pong { std::string id; };
struct FatalError { std::string message; };  // the worker's last word before it exits
struct Exited { std::optional<ExitStatus> status; };  // reaped by the actor
struct TimerFired { TimerKind kind; };
struct GateClosed { bool memory_pressure; std::string reason; };
struct GateOpened {};
struct ShutdownRequested {};
struct BackoffChanged { BackoffConfig config; };  // a reload: for the crashes to come
}  // namespace ev
using LifecycleEvent = std::variant<ev::Begin, ev::StartRequested, ev::StopRequested, ev::RestartRequested,
                           ev::StopQueued, ev::Spawned, ev::SpawnFailed, ev::Ready, ev::Pong, ev::Exited,
                           ev::TimerFired, ev::GateClosed, ev::GateOpened, ev::ShutdownRequested,
                           ev::BackoffChanged, ev::FatalError>;

// What the actor knows at the moment of the event, besides the event.
struct Facts {
  SteadyTime now;
  WallTime wall;
  bool gate_open = true;
  std::string gate_reason;
};

// ---- actions ----------------------------------------------------------------------------------
enum class Tally { Spawn, Crash, CrashRecovery, PressureStop, PressureResume, ForcedKill };
enum class LogLevel { Info, Warn, Error };

namespace act {
struct Spawn { uint64_t generation; };   // answer with ev::Spawned or ev::SpawnFailed at once
struct SendPing { std::string id; };
struct SendShutdown {};
struct SignalGroup { int signal; };       // SIGTERM or SIGKILL
struct ArmTimer { TimerKind kind; SteadyTime at; };  // replaces that kind's timer
struct Complete { uint64_t ticket; Outcome outcome; };
struct Publish { WorkerSnapshot snapshot; std::string reason; };  // a worker_state event if it changed
struct LinkReady {};                      // the worker's link into the slot (after Running)
struct Teardown {};                       // release the worker: slot cleared, its stats kept
struct Count { Tally tally; CrashCause cause = CrashCause::Exit; };
struct Log { LogLevel level; std::string text; };
struct Finished {};                       // shutdown done: the actor ends
}  // namespace act
using LifecycleAction = std::variant<act::Spawn, act::SendPing, act::SendShutdown, act::SignalGroup, act::ArmTimer,
                            act::Complete, act::Publish, act::LinkReady, act::Teardown, act::Count, act::Log,
                            act::Finished>;

// ---- the state --------------------------------------------------------------------------------
// The numbers of Config the table needs.
struct LifecyclePolicy {
  std::chrono::milliseconds start_timeout, stop_timeout, kill_timeout, ping_timeout;
  int ping_failure_limit;
  int restart_window_ms;
  bool auto_start, auto_recover, stop_on_pressure, resume_on_recovery;
  std::chrono::seconds gate_retry_after;  // Retry-After of a start the gate refuses

  static LifecyclePolicy from(const Config& config);
};

struct Lifecycle {
  Lifecycle(const Config& config, std::function<double()> uniform01 = {});

  LifecyclePolicy policy;
  Phase phase = Phase::Stopped;
  WorkerSnapshot w;                     // as last published (w.state trails the in-between phases)
  uint64_t generation = 0;              // of the current (or next) worker

  struct Request { uint64_t ticket; RequestKind kind; };
  std::optional<Request> request;       // in flight: a start waiting for ready, a stop, a restart

  bool wanted = false;                  // the daemon wants a worker (auto_start or a user's start)
  bool stopped_by_pressure = false;
  bool deferred_restart = false;        // a crash restart waits for the gate to open
  bool recovering = false;              // the current worker is an automatic crash restart
  bool exiting = false;                 // shutdown asked: stop, then Finished

  std::string launch_reason;            // Launching → Starting
  SteadyTime deadline{};                // Starting: ready by; Backoff: restart at; Stopping/Killing: next step

  struct Stop { AfterStop after; std::string reason; StopStep step; };
  Stop stop{AfterStop::CompleteStop, "", StopStep::ShutdownSent};  // Stopping
  struct Crash { CrashCause cause; std::string message; };
  Crash crash{CrashCause::Exit, ""};    // Killing
  std::string fatal_error;              // the current worker's own reason for exiting, if it gave one

  Backoff backoff;
  Liveness liveness;
};

// The actor may take the next request from the inbox (and feed it as an event) only then.
bool takes_requests(const Lifecycle& s);

struct Transition {
  Lifecycle state;
  std::vector<LifecycleAction> actions;
};

Transition step(Lifecycle state, const LifecycleEvent& event, const Facts& facts);

}  // namespace vs
