// HeavyLoadGate samples pressure every monitor_interval_ms on its own thread and keeps the
// current GateDecision; listeners are told on every open/close transition.
//
//   HeavyLoadGate gate(config.pressure);
//   gate.on_change([](const GateSnapshot& s) { ... });   // before start()
//   gate.exclude_process_group([&] { return supervisor.snapshot().pid; });  // before start()
//   gate.start();                       // takes the first sample synchronously, then a thread
//   GateSnapshot s = gate.snapshot();   // thread-safe copy
//
// Listeners fire on open<->closed and also when memory_pressure changes while closed (a CPU
// closure that becomes a memory closure must stop the worker). They run on the sampling thread
// (the first time possibly on the thread calling start()), one at a time, without the gate's lock
// held, so they may call snapshot()/allowed() — but not stop(), which joins that thread.
//
// The CPU figure that gates admission leaves out the supervised worker's process group: the
// worker is the heavy work being admitted, so its model load and inference are not pressure
// against it (DESIGN.md §5). The sample keeps the whole machine's figure as cpu_percent_total.
//
// snapshot() applies staleness at the moment it is called: if the sampler is stuck in a read, a
// reader still sees the gate close as Stale once interval+timeout has passed (and a stopped gate
// closes the same way, since nothing is watching any more). start() is for one use: a stopped
// gate is not restarted.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "config/config.h"
#include "gate/gate_policy.h"
#include "gate/pressure_sample.h"

namespace vs {

struct GateSnapshot {
  GateDecision decision;
  PressureSample sample;       // the latest sample
  uint64_t samples_total = 0;
  uint64_t invalid_samples_total = 0;
  uint64_t closures_total = 0;  // open -> closed transitions
};

class HeavyLoadGate {
 public:
  explicit HeavyLoadGate(const PressureConfig& config);
  ~HeavyLoadGate();  // stops the sampling thread

  HeavyLoadGate(const HeavyLoadGate&) = delete;
  HeavyLoadGate& operator=(const HeavyLoadGate&) = delete;

  using Listener = std::function<void(const GateSnapshot&)>;
  void on_change(Listener listener);  // called on the sampling thread at each transition

  // Asked at every sample for the leader of the process group whose CPU does not count against
  // admission (the worker is its own group leader, so its pid); none when no worker runs. It is
  // called on the sampling thread without the gate's lock held, so it may take a lock under
  // which someone calls allowed(). A provider that throws counts as none. Replaces any earlier
  // one; set it before start() so the first delta already excludes the worker.
  using GroupLeaderProvider = std::function<std::optional<pid_t>()>;
  void exclude_process_group(GroupLeaderProvider current_pgid);

  void start();
  void stop();

  GateSnapshot snapshot() const;
  bool allowed() const;

  // New thresholds for the samples to come (GatePolicy::set_thresholds): a reload. The decision
  // changes at the next sample, and listeners hear of it as of any other transition.
  void set_thresholds(const PressureConfig& config);

 private:
  void run();
  void sample_once();
  std::optional<pid_t> excluded_leader() const;  // asks the provider, without the lock

  PressureConfig config_;
  PressurePaths paths_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  GatePolicy policy_;
  GateSnapshot snapshot_;
  std::vector<Listener> listeners_;
  GroupLeaderProvider excluded_group_;
  bool started_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vs
