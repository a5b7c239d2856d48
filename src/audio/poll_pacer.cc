#include "audio/poll_pacer.h"

#include <algorithm>

namespace vs {
namespace {

constexpr double kSmoothing = 0.2;   // weight of the newest gap
constexpr double kWakeEarly = 0.9;  // wake at 90 % of the expected gap: scheduling jitter stays covered

}  // namespace

void PollPacer::frames_arrived(Clock::time_point now) {
  if (last_) {
    const double gap = std::chrono::duration<double, std::micro>(now - *last_).count();
    gap_us_ = gap_us_ == 0 ? gap : (1 - kSmoothing) * gap_us_ + kSmoothing * gap;
  }
  last_ = now;
}

std::chrono::microseconds PollPacer::idle_sleep(Clock::time_point now) const {
  if (!last_ || gap_us_ < 3 * kPoll.count()) return kPoll;  // unknown or fast: poll finely
  const auto due = *last_ + std::chrono::microseconds(static_cast<int64_t>(gap_us_ * kWakeEarly));
  if (now >= due) return kPoll;  // the next frame is due: watch closely
  return std::clamp(std::chrono::duration_cast<std::chrono::microseconds>(due - now), kPoll, kLongest);
}

}  // namespace vs
