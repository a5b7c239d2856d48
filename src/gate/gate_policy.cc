#include "gate/gate_policy.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "gate/gate_reasons.h"

namespace vs {
namespace {

using std::chrono::milliseconds;

struct Breach {
  GateCause cause = GateCause::None;
  std::string reason;
};

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

// The thresholds a valid sample crosses. Memory wins the cause because a memory closure is the
// one that stops a running worker; CPU only refuses new starts.
Breach find_breach(const PressureConfig& c, const PressureSample& s) {
  std::vector<std::string> memory, cpu;
  if (s.memory_available_mb < c.min_available_memory_mb) {
    memory.push_back(memory_available_reason(s.memory_available_mb, c.min_available_memory_mb));
  }
  if (s.memory_percent > c.max_memory_percent) {
    memory.push_back(memory_percent_reason(s.memory_percent, c.max_memory_percent));
  }
  if (c.max_psi_some_avg10 > 0 && s.psi_some_avg10 && *s.psi_some_avg10 > c.max_psi_some_avg10) {
    memory.push_back(psi_reason(*s.psi_some_avg10, c.max_psi_some_avg10));
  }
  // cpu_percent, not cpu_percent_total: the supervised worker's own CPU is the work being
  // admitted, not pressure against it (DESIGN.md §5).
  if (s.cpu_percent && *s.cpu_percent > c.max_cpu_percent) {
    cpu.push_back(cpu_reason(*s.cpu_percent, c.max_cpu_percent));
  }
  Breach b;
  if (!memory.empty()) {
    b.cause = GateCause::Memory;
  } else if (!cpu.empty()) {
    b.cause = GateCause::Cpu;
  }
  memory.insert(memory.end(), cpu.begin(), cpu.end());
  b.reason = join(memory);
  return b;
}

// The decision of a gate closed for `cause`.
GateDecision closed_decision(GateCause cause, std::string reason) {
  GateDecision d;
  d.open = false;
  d.cause = cause;
  d.reason = std::move(reason);
  d.good_samples_in_row = 0;
  d.memory_pressure = cause == GateCause::Memory;
  return d;
}

}  // namespace

const char* to_string(GateCause cause) {
  switch (cause) {
    case GateCause::None: return "none";
    case GateCause::Memory: return "memory";
    case GateCause::Cpu: return "cpu";
    case GateCause::InvalidSample: return "invalid_sample";
    case GateCause::Stale: return "stale";
  }
  return "unknown";
}

GatePolicy::GatePolicy(const PressureConfig& config) : config_(config) {
  decision_.open = false;
  decision_.cause = GateCause::InvalidSample;
  decision_.reason = kNoSampleYetReason;
  closing_reason_ = decision_.reason;
}

void GatePolicy::set_thresholds(const PressureConfig& config) {
  config_.min_available_memory_mb = config.min_available_memory_mb;
  config_.max_memory_percent = config.max_memory_percent;
  config_.max_cpu_percent = config.max_cpu_percent;
  config_.max_psi_some_avg10 = config.max_psi_some_avg10;
}

GateDecision GatePolicy::observe(const PressureSample& sample) {
  have_sample_ = true;
  last_sample_at_ = sample.taken_at;
  if (!sample.valid) {
    if (config_.fail_closed) return close(GateCause::InvalidSample, sample.reason);
    return decided_ ? decision_ : open_now();
  }
  const milliseconds limit(config_.sample_timeout_ms);
  if (config_.fail_closed && sample.read_duration > limit) {
    return close(GateCause::Stale, slow_sample_reason(sample.read_duration, limit));
  }
  Breach breach = find_breach(config_, sample);
  if (breach.cause != GateCause::None) return close(breach.cause, std::move(breach.reason));
  return count_good_sample();
}

std::optional<std::string> GatePolicy::stale_reason_at(SteadyTime now) const {
  if (!config_.fail_closed || !have_sample_) return std::nullopt;
  const auto age = std::chrono::duration_cast<milliseconds>(now - last_sample_at_);
  if (age <= milliseconds(config_.monitor_interval_ms + config_.sample_timeout_ms)) {
    return std::nullopt;
  }
  return stale_reason(age);
}

GateDecision GatePolicy::check_stale(SteadyTime now) {
  std::optional<std::string> reason = stale_reason_at(now);
  if (!reason) return decision_;
  return close(GateCause::Stale, std::move(*reason));
}

GateDecision GatePolicy::decide_at(SteadyTime now) const {
  std::optional<std::string> reason = stale_reason_at(now);
  if (!reason) return decision_;
  return closed_decision(GateCause::Stale, std::move(*reason));
}

GateDecision GatePolicy::close(GateCause cause, std::string reason) {
  decided_ = true;
  closing_reason_ = reason;
  decision_ = closed_decision(cause, std::move(reason));
  return decision_;
}

GateDecision GatePolicy::count_good_sample() {
  if (!decided_ || decision_.open) {
    // Saturate: an open gate keeps counting for observability, for years on end.
    const int good = decision_.open ? decision_.good_samples_in_row : 0;
    open_now();
    decision_.good_samples_in_row = good < std::numeric_limits<int>::max() ? good + 1 : good;
    return decision_;
  }
  const int needed = std::max(1, config_.reopen_after_samples);
  const int good = decision_.good_samples_in_row + 1;
  if (good >= needed) {
    open_now();
    decision_.good_samples_in_row = good;
    return decision_;
  }
  decision_.good_samples_in_row = good;
  decision_.reason = recovering_reason(closing_reason_, good, needed);
  return decision_;
}

GateDecision GatePolicy::open_now() {
  decided_ = true;
  closing_reason_.clear();
  decision_ = GateDecision{};
  decision_.open = true;
  return decision_;
}

}  // namespace vs
