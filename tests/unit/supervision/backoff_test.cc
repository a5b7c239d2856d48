#include "supervision/backoff.h"

#include <gtest/gtest.h>

#include <random>

namespace vs {
namespace {

using std::chrono::milliseconds;

BackoffConfig config() {
  BackoffConfig c;
  c.initial_ms = 1000;
  c.max_ms = 30000;
  c.multiplier = 2.0;
  c.jitter = 0.2;
  c.stable_after_ms = 60000;
  c.max_restarts = 100;
  c.restart_window_ms = 300000;
  return c;
}

const SteadyTime t0{};

TEST(Backoff, ExactDelaysWithFixedDraws) {
  for (double u : {0.0, 0.5, 0.999}) {
    Backoff b(config(), [u] { return u; });
    const double factor = 1.0 - 0.2 + 2 * 0.2 * u;
    for (int n = 0; n < 8; ++n) {
      const double base = std::min(30000.0, 1000.0 * (1 << n));
      auto d = b.on_crash(t0 + milliseconds(n));
      ASSERT_TRUE(d);
      EXPECT_EQ(d->count(), std::llround(base * factor)) << "u=" << u << " n=" << n;
    }
  }
}

TEST(Backoff, HalfDrawIsTheUndoubledBase) {
  Backoff b(config(), [] { return 0.5; });
  EXPECT_EQ(b.on_crash(t0)->count(), 1000);
  EXPECT_EQ(b.on_crash(t0)->count(), 2000);
  EXPECT_EQ(b.on_crash(t0)->count(), 4000);
}

TEST(Backoff, JitterStaysWithinBoundsOverManyDraws) {
  auto c = config();
  c.max_restarts = 100000;
  Backoff b(c);  // the default, random draw
  double lo = 1e9, hi = 0;
  for (int i = 0; i < 5000; ++i) {
    b.reset();
    const double d = static_cast<double>(b.on_crash(t0)->count());
    lo = std::min(lo, d);
    hi = std::max(hi, d);
    ASSERT_GE(d, 800.0);
    ASSERT_LE(d, 1200.0);
  }
  // Both ends of the range are actually used.
  EXPECT_LT(lo, 850.0);
  EXPECT_GT(hi, 1150.0);
}

TEST(Backoff, CapsAtMax) {
  Backoff b(config(), [] { return 0.5; });
  for (int n = 0; n < 40; ++n) b.on_crash(t0);
  EXPECT_EQ(b.on_crash(t0)->count(), 30000);
  EXPECT_EQ(b.base_delay(5).count(), 30000);
  EXPECT_EQ(b.base_delay(4).count(), 16000);
  EXPECT_EQ(b.base_delay(1000).count(), 30000);  // no overflow
}

TEST(Backoff, ResetsExponentAfterStableRun) {
  Backoff b(config(), [] { return 0.5; });
  b.on_crash(t0);
  b.on_crash(t0 + milliseconds(1));
  b.on_crash(t0 + milliseconds(2));
  EXPECT_EQ(b.exponent(), 3);
  b.on_ready(t0 + milliseconds(10));
  b.on_running(t0 + milliseconds(10 + 59999));
  EXPECT_EQ(b.exponent(), 3);  // not yet stable
  b.on_running(t0 + milliseconds(10 + 60000));
  EXPECT_EQ(b.exponent(), 0);
  EXPECT_EQ(b.on_crash(t0 + milliseconds(70000))->count(), 1000);
}

TEST(Backoff, CrashBeforeStableKeepsGrowing) {
  Backoff b(config(), [] { return 0.5; });
  b.on_crash(t0);
  b.on_ready(t0 + milliseconds(1000));
  EXPECT_EQ(b.on_crash(t0 + milliseconds(5000))->count(), 2000);
  // the crash ended the ready period: a later on_running does not count from the old ready
  b.on_running(t0 + milliseconds(100000));
  EXPECT_EQ(b.exponent(), 2);
}

TEST(Backoff, BudgetSpentMeansFailed) {
  auto c = config();
  c.max_restarts = 3;
  c.restart_window_ms = 10000;
  Backoff b(c, [] { return 0.5; });
  EXPECT_TRUE(b.on_crash(t0));
  EXPECT_TRUE(b.on_crash(t0 + milliseconds(1000)));
  EXPECT_TRUE(b.on_crash(t0 + milliseconds(2000)));
  EXPECT_FALSE(b.on_crash(t0 + milliseconds(3000)));  // the 4th within 10 s
  EXPECT_EQ(b.crashes_in_window(), 4);
}

TEST(Backoff, OldCrashesLeaveTheWindow) {
  auto c = config();
  c.max_restarts = 2;
  c.restart_window_ms = 10000;
  Backoff b(c, [] { return 0.5; });
  EXPECT_TRUE(b.on_crash(t0));
  EXPECT_TRUE(b.on_crash(t0 + milliseconds(5000)));
  EXPECT_TRUE(b.on_crash(t0 + milliseconds(10001)));  // the first is out of the window
  EXPECT_FALSE(b.on_crash(t0 + milliseconds(12000)));
}

TEST(Backoff, ResetForgetsBudgetAndExponent) {
  auto c = config();
  c.max_restarts = 1;
  Backoff b(c, [] { return 0.5; });
  EXPECT_TRUE(b.on_crash(t0));
  EXPECT_FALSE(b.on_crash(t0));
  b.reset();
  EXPECT_EQ(b.exponent(), 0);
  EXPECT_EQ(b.crashes_in_window(), 0);
  auto d = b.on_crash(t0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->count(), 1000);
}

}  // namespace
}  // namespace vs
