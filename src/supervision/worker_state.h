// The worker's lifecycle states (DESIGN.md §2) and the snapshot the HTTP API shows.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "worker_pipe/decode_request.h"

namespace vs {

enum class WorkerState { Stopped, Starting, Running, Stopping, Backoff, Failed };

const char* to_string(WorkerState s);

// Why a running worker counted as crashed.
enum class CrashCause { Exit, Signal, StartTimeout, PingTimeout, SpawnFailed };
inline constexpr CrashCause kCrashCauses[] = {CrashCause::Exit, CrashCause::Signal, CrashCause::StartTimeout,
                                              CrashCause::PingTimeout, CrashCause::SpawnFailed};
const char* to_string(CrashCause c);
constexpr size_t index(CrashCause c) { return static_cast<size_t>(c); }

// A model the worker can load (its ready line's "models": the installed catalog).
struct InstalledModel {
  std::string name, engine;
  std::vector<std::string> languages;
  bool translate = false;
};

struct WorkerSnapshot {
  WorkerState state = WorkerState::Stopped;
  std::optional<pid_t> pid;
  std::optional<WallTime> started_at;
  std::optional<WallTime> ready_at;
  uint64_t restart_count = 0;       // automatic restarts after crashes
  uint64_t crash_count = 0;
  std::string last_exit;            // ExitStatus::describe() of the last exit, "" if none
  std::string last_error;           // the last failure, a sentence
  std::optional<WallTime> backoff_until;
  std::string engine, model;        // from the worker's "ready" line
  std::vector<std::string> languages;   // ... what its model transcribes
  std::vector<InstalledModel> models;   // ... and every model it can load (empty: it did not say)
  uint64_t health_failures = 0;     // missed pings in a row (reference field)
  std::optional<WallTime> last_health_check_at;  // last pong (reference field)
};

// Why audio cannot go to this worker now, a sentence saying what to do; empty when it can (a
// starting or restarting worker can: the ring and the replay hold the audio meanwhile). No door
// starts a stopped worker by itself: starting it is the operator's decision.
std::string why_no_audio(const WorkerSnapshot& w);

// Why this worker cannot decode as `request` asks, a sentence naming what is installed; empty
// when it can, or when it did not say what it has (a test worker, protocol 1: it decides).
std::string why_not_served(const WorkerSnapshot& w, const DecodeRequest& request);

// The JSON `worker` object of the HTTP API.
nlohmann::json to_json(const WorkerSnapshot& w);

// Counters for metrics; they only grow.
struct SupervisorCounters {
  uint64_t spawns_total = 0;
  uint64_t start_requests_total = 0, stop_requests_total = 0, restart_requests_total = 0;
  std::array<uint64_t, std::size(kCrashCauses)> crashes{};  // by cause: crashes[index(cause)]
  uint64_t crash_recoveries_total = 0;   // automatic restarts that reached ready
  uint64_t pressure_stops_total = 0, pressure_resumes_total = 0;
  uint64_t forced_kills_total = 0;       // stops that needed SIGKILL
};

}  // namespace vs
