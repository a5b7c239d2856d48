// Backoff is the pure crash-restart policy (DESIGN.md §5): delay n is
// min(max_ms, initial_ms * multiplier^n) scaled by a jitter factor in [1-jitter, 1+jitter];
// n resets after stable_after_ms of ready running; more than max_restarts crash restarts
// within restart_window_ms means the worker has failed. Time and randomness are injected.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <optional>

#include "common/time_format.h"
#include "config/config.h"

namespace vs {

class Backoff {
 public:
  // `uniform01` returns a number in [0, 1); the default draws from a seeded std::mt19937.
  explicit Backoff(const BackoffConfig& config, std::function<double()> uniform01 = {});

  // A crash happened at `now`. Returns the delay before the next restart, or nullopt when the
  // restart budget is spent (the worker is failed).
  std::optional<std::chrono::milliseconds> on_crash(SteadyTime now);

  // The worker became ready at `now`.
  void on_ready(SteadyTime now);
  // Called while running; resets the exponent once it has been ready for stable_after_ms.
  void on_running(SteadyTime now);

  // An explicit start (or stop) by a user forgets the history: budget and exponent.
  void reset();

  // New numbers (a reload) for the crashes to come; the history (exponent, recent crashes) stays.
  void set_config(const BackoffConfig& config) { config_ = config; }

  int exponent() const { return exponent_; }
  // Crashes counted against the budget (those within restart_window_ms of the last one).
  int crashes_in_window() const { return static_cast<int>(recent_crashes_.size()); }
  // The undithered delay for exponent n (for tests and docs).
  std::chrono::milliseconds base_delay(int n) const;

 private:
  BackoffConfig config_;
  std::function<double()> uniform01_;
  int exponent_ = 0;
  std::optional<SteadyTime> ready_since_;
  std::deque<SteadyTime> recent_crashes_;
};

}  // namespace vs
