#include "worker_pipe/log_rate_limiter.h"

#include <gtest/gtest.h>

#include <chrono>

namespace vs {
namespace {

using namespace std::chrono_literals;
using TimePoint = LogRateLimiter::TimePoint;

// The limiter never reads a clock: these tests move `now` by hand.
const TimePoint t0{std::chrono::hours(1)};
const LogRateLimits kLimits{.burst_lines = 200, .lines_per_second = 50, .summary_period = 5s};

int admit_n(LogRateLimiter& l, int n, TimePoint now) {
  int admitted = 0;
  for (int i = 0; i < n; ++i) admitted += l.admit(now) ? 1 : 0;
  return admitted;
}

TEST(LogRateLimiter, AFreshLimiterLetsAWholeBurstThrough) {
  LogRateLimiter l(kLimits, t0);
  EXPECT_EQ(admit_n(l, 200, t0), 200);  // e.g. a 100-line traceback at start-up, twice over
  EXPECT_FALSE(l.admit(t0));
  EXPECT_EQ(l.dropped_total(), 1u);
}

TEST(LogRateLimiter, RefillsAtTheSteadyRateAndNeverAboveTheBurst) {
  LogRateLimiter l(kLimits, t0);
  admit_n(l, 200, t0);
  EXPECT_EQ(admit_n(l, 100, t0 + 1s), 50);         // one second buys 50 lines
  EXPECT_EQ(admit_n(l, 100, t0 + 1s + 100ms), 5);  // and a tenth of one, 5
  EXPECT_EQ(admit_n(l, 1000, t0 + 1h), 200);       // an hour of quiet still gives only the burst
  EXPECT_EQ(l.dropped_total(), 50u + 95u + 800u);
}

TEST(LogRateLimiter, AFloodIsHeldToBurstPlusRateTimesDuration) {
  LogRateLimiter l(kLimits, t0);
  int admitted = 0, offered = 0;
  for (auto t = t0; t < t0 + 10s; t += 1ms) {  // 100 lines per ms for 10 s
    admitted += admit_n(l, 100, t);
    offered += 100;
  }
  EXPECT_GE(admitted, 200 + 50 * 10 - 1);
  EXPECT_LE(admitted, 200 + 50 * 10);
  EXPECT_EQ(l.dropped_total(), static_cast<uint64_t>(offered - admitted));
}

TEST(LogRateLimiter, ACrashAfterAQuietSpellComesThroughWhole) {
  LogRateLimiter l(kLimits, t0);
  for (auto t = t0; t < t0 + 3s; t += 1ms) admit_n(l, 10, t);  // a flood empties the bucket
  EXPECT_GT(l.dropped_total(), 20000u);
  EXPECT_EQ(admit_n(l, 100, t0 + 7s), 100);  // 4 s later: a 100-line traceback, whole
}

TEST(LogRateLimiter, NoSummaryWithoutDrops) {
  LogRateLimiter l(kLimits, t0);
  admit_n(l, 200, t0);
  EXPECT_FALSE(l.summary_due());
  EXPECT_FALSE(l.take_dropped_summary(t0 + 1h));
  EXPECT_FALSE(l.take_dropped_summary(t0 + 1h, /*period_over=*/true));
}

TEST(LogRateLimiter, OneSummaryPerPeriodStartingAtTheFirstDrop) {
  LogRateLimiter l(kLimits, t0);
  admit_n(l, 200, t0);
  admit_n(l, 30, t0 + 10ms);  // the first drop opens the period: due 5 s after it
  ASSERT_TRUE(l.summary_due());
  EXPECT_EQ(*l.summary_due(), t0 + 10ms + 5s);
  EXPECT_FALSE(l.take_dropped_summary(t0 + 5s));  // the period is still running
  EXPECT_EQ(admit_n(l, 1000, t0 + 5s), 200);      // the bucket refilled, up to the burst
  const auto s = l.take_dropped_summary(t0 + 10ms + 5s);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->lines, 30u + 800u);
  EXPECT_EQ(s->span, 5s);
  EXPECT_FALSE(l.take_dropped_summary(t0 + 1h));  // taken: nothing until the next drop
  EXPECT_FALSE(l.summary_due());
  EXPECT_EQ(l.dropped_total(), 30u + 800u);
}

TEST(LogRateLimiter, TheEndOfInputClosesThePeriodAtOnce) {
  LogRateLimiter l(kLimits, t0);
  admit_n(l, 203, t0);
  const auto s = l.take_dropped_summary(t0 + 1s, /*period_over=*/true);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->lines, 3u);
  EXPECT_EQ(s->span, 1s);
}

TEST(LogRateLimiter, TimeThatStandsStillOrGoesBackGivesNoTokens) {
  LogRateLimiter l(kLimits, t0 + 1s);
  admit_n(l, 200, t0 + 1s);
  EXPECT_FALSE(l.admit(t0));  // an earlier time than the last refill is ignored
  EXPECT_FALSE(l.admit(t0 + 1s));
}

}  // namespace
}  // namespace vs
