// PollPacer decides how long the pump sleeps after a turn that found nothing to do.
//
// The producer never wakes the pump (a microphone callback may not make a syscall), so the
// pump polls the ring. Polling every millisecond costs ~1,000 wake-ups a second — about 2 % of a
// core on a virtual machine — to catch a frame that comes every 10 ms. The pacer learns the
// gap between arrivals (an exponential average) and sleeps until just before the next one is
// due, then polls every millisecond again; so a frame still waits at most ~1 ms, and the pump
// wakes 2–3 times per arrival instead of ~10. Pure, with the clock passed in.
//
//   pacer.frames_arrived(now);            // a turn took new frames from the ring
//   sleep_for(pacer.idle_sleep(now));     // a turn found nothing
#pragma once

#include <chrono>
#include <optional>

namespace vs {

class PollPacer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::microseconds kPoll{1000};      // the fine-grained poll
  static constexpr std::chrono::microseconds kLongest{20000};  // never longer: acks, stop requests

  void frames_arrived(Clock::time_point now);
  std::chrono::microseconds idle_sleep(Clock::time_point now) const;

 private:
  std::optional<Clock::time_point> last_;
  double gap_us_ = 0;  // average gap between arrivals; 0 until two were seen
};

}  // namespace vs
