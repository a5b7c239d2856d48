// GatePolicy decides, from a stream of pressure samples, whether heavy work is allowed.
// It is pure: no I/O, no clock of its own — callers pass `now`, so tests inject time.
//
// Closed when a sample is invalid or stale (with fail_closed) or crosses a threshold; a closed
// gate reopens only after `reopen_after_samples` good samples in a row (hysteresis). The
// decision says whether the closing cause is memory (which stops a running worker) or only
// CPU (which refuses new starts but never stops a running worker).
#pragma once

#include <string>

#include "config/config.h"
#include "gate/pressure_sample.h"

namespace vs {

enum class GateCause { None, Memory, Cpu, InvalidSample, Stale };

struct GateDecision {
  bool open = false;
  GateCause cause = GateCause::None;   // why it is closed (or would be, during hysteresis)
  std::string reason;                  // a sentence for humans; "" when open
  int good_samples_in_row = 0;
  bool memory_pressure = false;        // closed because of memory (stop_on_pressure applies)
};

class GatePolicy {
 public:
  explicit GatePolicy(const PressureConfig& config);

  // Feeds one sample taken at sample.taken_at; returns the new decision.
  GateDecision observe(const PressureSample& sample);

  // Re-evaluates staleness at `now` without a new sample (the sampler may be stuck).
  GateDecision check_stale(SteadyTime now);

  const GateDecision& current() const { return decision_; }

 private:
  PressureConfig config_;
  GateDecision decision_;
  SteadyTime last_sample_at_{};
  bool have_sample_ = false;
};

}  // namespace vs
