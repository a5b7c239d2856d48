#include "gate/heavy_load_gate.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

namespace vs {
namespace {

// The transitions a listener must hear about; a refreshed reason alone is not one.
bool is_change(const GateDecision& before, const GateDecision& after) {
  if (before.open != after.open) return true;
  return !after.open && before.memory_pressure != after.memory_pressure;
}

}  // namespace

HeavyLoadGate::HeavyLoadGate(const PressureConfig& config)
    : config_(config),
      paths_{config.proc_root, config.cgroup_root},
      policy_(config) {
  paths_.cgroup_dirs = resolve_cgroup_dirs(paths_);  // once: the daemon stays in its cgroup
  snapshot_.decision = policy_.current();
}

HeavyLoadGate::~HeavyLoadGate() { stop(); }

void HeavyLoadGate::on_change(Listener listener) {
  std::lock_guard lk(mu_);
  listeners_.push_back(std::move(listener));
}

void HeavyLoadGate::exclude_process_group(GroupLeaderProvider current_pgid) {
  std::lock_guard lk(mu_);
  excluded_group_ = std::move(current_pgid);
}

std::optional<pid_t> HeavyLoadGate::excluded_leader() const {
  GroupLeaderProvider provider;
  {
    std::lock_guard lk(mu_);
    provider = excluded_group_;
  }
  if (!provider) return std::nullopt;
  try {
    return provider();
  } catch (const std::exception& e) {
    // Not knowing the worker means not excluding it: the whole machine's figure gates.
    spdlog::error("heavy-load gate: the worker's process group is unknown: {}", e.what());
    return std::nullopt;
  }
}

void HeavyLoadGate::start() {
  {
    std::lock_guard lk(mu_);
    if (started_) return;
    started_ = true;
  }
  // Synchronously, so the gate has a real decision before the daemon answers anyone.
  sample_once();
  std::lock_guard lk(mu_);
  if (!stopping_) thread_ = std::thread([this] { run(); });
}

void HeavyLoadGate::stop() {
  std::thread sampler;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    sampler = std::move(thread_);
  }
  cv_.notify_all();
  if (sampler.joinable()) sampler.join();
}

GateSnapshot HeavyLoadGate::snapshot() const {
  std::lock_guard lk(mu_);
  GateSnapshot s = snapshot_;
  s.decision = policy_.decide_at(std::chrono::steady_clock::now());
  return s;
}

bool HeavyLoadGate::allowed() const { return snapshot().decision.open; }

void HeavyLoadGate::set_thresholds(const PressureConfig& config) {
  std::lock_guard lk(mu_);
  policy_.set_thresholds(config);
}

void HeavyLoadGate::run() {
  const std::chrono::milliseconds interval(std::max(1, config_.monitor_interval_ms));
  auto next = std::chrono::steady_clock::now() + interval;
  std::unique_lock lk(mu_);
  // wait_until with a predicate: stop() wakes us at once instead of after the interval.
  while (!cv_.wait_until(lk, next, [this] { return stopping_; })) {
    lk.unlock();
    sample_once();
    lk.lock();
    next += interval;
    const auto now = std::chrono::steady_clock::now();
    if (next <= now) next = now + interval;  // fell behind: sample on, do not burst to catch up
  }
}

void HeavyLoadGate::sample_once() {
  const SteadyTime woke = std::chrono::steady_clock::now();
  PressureSample previous;
  bool have_previous = false;
  {
    std::lock_guard lk(mu_);
    previous = snapshot_.sample;
    have_previous = snapshot_.samples_total > 0;
  }

  // The read happens without the lock: snapshot() must never wait on file I/O.
  const PressureSample sample =
      read_pressure_sample(paths_, have_previous ? &previous : nullptr, excluded_leader());

  GateSnapshot changed;
  std::vector<Listener> listeners;
  {
    std::lock_guard lk(mu_);
    const GateDecision before = snapshot_.decision;
    // If this thread woke far too late, the gate was blind in between: that is a stale period
    // even though the sample we just took is fresh (it then counts towards recovery).
    policy_.check_stale(woke);
    snapshot_.decision = policy_.observe(sample);
    snapshot_.sample = sample;
    ++snapshot_.samples_total;
    if (!sample.valid) ++snapshot_.invalid_samples_total;
    if (before.open && !snapshot_.decision.open) ++snapshot_.closures_total;
    if (!is_change(before, snapshot_.decision)) return;
    changed = snapshot_;
    listeners = listeners_;
  }
  for (const auto& listener : listeners) {
    try {
      listener(changed);
    } catch (const std::exception& e) {
      // A faulty listener must not kill the sampler: the gate would then silently freeze.
      spdlog::error("heavy-load gate listener threw: {}", e.what());
    }
  }
}

}  // namespace vs
