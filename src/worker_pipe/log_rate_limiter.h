// LogRateLimiter decides which lines of a noisy source get logged: a token bucket that holds up
// to `burst` lines and refills at `lines_per_second`, so a short outburst (a Python traceback at
// start-up or at a crash) comes through whole while a flood costs the log at most the steady
// rate. It also counts what it refused and, once per summary period, hands out one summary of
// the drops for the caller to log.
//
// Pure: no clock, no I/O, no lock. The caller passes `now` (steady time) to every call, so the
// unit tests drive it with a fake clock; one instance belongs to one thread (one worker's
// stderr relay).
//
//   LogRateLimiter limit(kStderrLimits, Clock::now());
//   if (limit.admit(now)) log(line); else /* nothing: dropping must stay cheap */;
//   if (auto s = limit.take_dropped_summary(now)) log("dropped {} lines in {} s", s->lines, ...);
//   ... at end of input: take_dropped_summary(now, /*period_over=*/true)
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace vs {

struct LogRateLimits {
  uint32_t burst_lines = 200;
  uint32_t lines_per_second = 50;
  std::chrono::milliseconds summary_period{5000};
};

class LogRateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  struct DropSummary {
    uint64_t lines = 0;                  // refused since the previous summary
    std::chrono::nanoseconds span{0};    // from the first of them to the summary
  };

  // The bucket starts full: the first burst_lines lines are always admitted.
  LogRateLimiter(const LogRateLimits& limits, TimePoint now);

  // One line arrives at `now`: true to log it (a token is spent), false if it is dropped
  // (counted). `now` must not go backwards.
  bool admit(TimePoint now);

  // The drops since the previous summary, once summary_period has passed since the first of
  // them, or at once when `period_over` (the input ended); nullopt when nothing was dropped or
  // the period is still running. Taking it starts a new period.
  std::optional<DropSummary> take_dropped_summary(TimePoint now, bool period_over = false);

  // When take_dropped_summary() will next return something (nullopt: no drops pending); a
  // relay that waits for input wakes up then, so a flood that stopped is still reported.
  std::optional<TimePoint> summary_due() const;

  uint64_t dropped_total() const { return dropped_total_; }
  const LogRateLimits& limits() const { return limits_; }

 private:
  void refill(TimePoint now);

  LogRateLimits limits_;
  double tokens_;
  TimePoint refilled_at_;
  uint64_t dropped_total_ = 0;
  uint64_t dropped_in_period_ = 0;
  TimePoint period_start_{};  // the first drop since the previous summary
};

}  // namespace vs
