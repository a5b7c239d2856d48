// Clock is where the supervisor's actor reads time: steady time for its deadlines, wall time for
// the snapshot's timestamps. SystemClock is the real one; tests inject a fake that they move by
// hand, so a lifecycle of seconds runs in milliseconds.
//
// The actor sleeps until its next deadline; a fake clock's deadlines come when the test moves it,
// so sleep_before() says "until woken" and the fake wakes its sleepers from advance().
#pragma once

#include <chrono>
#include <algorithm>
#include <cstdint>
#include <functional>

#include "common/time_format.h"

namespace vs {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime steady() const = 0;
  virtual WallTime wall() const = 0;
  // Real milliseconds the actor may sleep before `deadline` (already in the future) comes;
  // -1: until woken by `wake`.
  virtual int sleep_before(SteadyTime deadline) const = 0;
  // `wake` is called whenever this clock jumps forward (never, for the real one).
  virtual void on_advance(std::function<void()> wake) { (void)wake; }
};

class SystemClock final : public Clock {
 public:
  SteadyTime steady() const override { return std::chrono::steady_clock::now(); }
  WallTime wall() const override { return std::chrono::system_clock::now(); }
  int sleep_before(SteadyTime deadline) const override {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady()).count();
    return static_cast<int>(std::clamp<int64_t>(left, 0, 1000));  // wake at least once a second
  }
};

}  // namespace vs
