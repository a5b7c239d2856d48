// GatePolicy decides, from a stream of pressure samples, whether heavy work is allowed.
// It is pure: no I/O, no clock of its own — callers pass `now`, so tests inject time.
//
// Closed when a sample is invalid or stale (with fail_closed) or crosses a threshold; a closed
// gate reopens only after `reopen_after_samples` good samples in a row (hysteresis). The
// decision says whether the closing cause is memory (which stops a running worker) or only
// CPU (which refuses new starts but never stops a running worker).
//
// Choices where the contract is silent:
// - Before any sample the gate is closed with cause InvalidSample and reason
//   "no pressure sample yet". That state is not a closure: the first good sample opens the gate
//   at once (the daemon should not wait N intervals after startup), and hysteresis applies only
//   after a sample actually closed it.
// - Without fail_closed an invalid sample carries no information: it neither closes the gate nor
//   counts as good nor resets a recovery in progress; staleness does not close the gate either.
//   The one exception is the very first decision: fail-open means an unmeasurable machine opens
//   the gate instead of leaving it closed forever on "no pressure sample yet".
// - A sample whose reading took longer than sample_timeout_ms closes the gate as Stale (with
//   fail_closed): the numbers describe a moment already gone.
// - When several thresholds are crossed, the reason lists all of them ("; "), memory first, and
//   the cause is Memory if any memory threshold is crossed.
// - A later bad sample while closed replaces cause and reason (a CPU closure can become a memory
//   closure, and the other way round); memory_pressure follows the current cause.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "gate/pressure_sample.h"

namespace vs {

enum class GateCause { None, Memory, Cpu, InvalidSample, Stale };

// "none", "memory", "cpu", "invalid_sample", "stale" — for logs, metrics labels and JSON.
const char* to_string(GateCause cause);

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

  // What check_stale(now) would return, without changing anything: lets a reader see that the
  // sampler is stuck even before the sampler's own thread gets to notice.
  GateDecision decide_at(SteadyTime now) const;

  const GateDecision& current() const { return decision_; }

  // Takes the four thresholds (min_available_memory_mb, max_memory_percent, max_cpu_percent,
  // max_psi_some_avg10) from `config`, keeping the rest and the state: the next sample is judged
  // by them, and a closed gate still reopens only after reopen_after_samples good ones.
  void set_thresholds(const PressureConfig& config);

 private:
  // The reason the gate is Stale at `now` (fail_closed and the last sample too old); none when
  // staleness does not close it. Shared by check_stale and decide_at.
  std::optional<std::string> stale_reason_at(SteadyTime now) const;
  GateDecision close(GateCause cause, std::string reason);
  GateDecision count_good_sample();
  GateDecision open_now();

  PressureConfig config_;
  GateDecision decision_;
  SteadyTime last_sample_at_{};
  bool have_sample_ = false;
  bool decided_ = false;        // a sample has opened or closed the gate (not the initial state)
  std::string closing_reason_;  // the reason without the "(recovering: ...)" suffix
};

}  // namespace vs
