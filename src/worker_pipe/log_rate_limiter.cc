#include "worker_pipe/log_rate_limiter.h"

#include <algorithm>

namespace vs {

LogRateLimiter::LogRateLimiter(const LogRateLimits& limits, TimePoint now)
    : limits_(limits), tokens_(static_cast<double>(limits.burst_lines)), refilled_at_(now) {}

void LogRateLimiter::refill(TimePoint now) {
  if (now <= refilled_at_) return;
  const double seconds = std::chrono::duration<double>(now - refilled_at_).count();
  tokens_ = std::min(static_cast<double>(limits_.burst_lines), tokens_ + seconds * limits_.lines_per_second);
  refilled_at_ = now;
}

bool LogRateLimiter::admit(TimePoint now) {
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  if (dropped_in_period_ == 0) period_start_ = now;
  ++dropped_in_period_;
  ++dropped_total_;
  return false;
}

std::optional<LogRateLimiter::DropSummary> LogRateLimiter::take_dropped_summary(TimePoint now,
                                                                               bool period_over) {
  if (dropped_in_period_ == 0) return std::nullopt;
  if (!period_over && now < period_start_ + limits_.summary_period) return std::nullopt;
  DropSummary s{dropped_in_period_, std::max(now - period_start_, std::chrono::nanoseconds::zero())};
  dropped_in_period_ = 0;
  return s;
}

std::optional<LogRateLimiter::TimePoint> LogRateLimiter::summary_due() const {
  if (dropped_in_period_ == 0) return std::nullopt;
  return period_start_ + limits_.summary_period;
}

}  // namespace vs
