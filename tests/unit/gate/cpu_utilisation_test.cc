// The arithmetic of both CPU figures: the machine's, and the one that leaves the worker out.
#include "gate/cpu_utilisation.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(CpuPercentBetween, IsBusyDeltaOverTotalDelta) {
  const auto p = cpu_percent_between(CpuTimes{100, 1000}, CpuTimes{175, 1100});
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(*p, 75.0);
}

TEST(CpuPercentBetween, NoneWithoutTimePassingOrWhenCountersGoBack) {
  EXPECT_FALSE(cpu_percent_between(CpuTimes{100, 1000}, CpuTimes{100, 1000}));
  EXPECT_FALSE(cpu_percent_between(CpuTimes{100, 1000}, CpuTimes{50, 500}));
}

TEST(CpuPercentBetween, ClampsWhenIowaitStepsBack) {
  // busy rose more than total: the non-monotonic iowait counter went down.
  EXPECT_DOUBLE_EQ(*cpu_percent_between(CpuTimes{0, 100}, CpuTimes{150, 200}), 100.0);
  EXPECT_DOUBLE_EQ(*cpu_percent_between(CpuTimes{50, 100}, CpuTimes{40, 200}), 0.0);
}

TEST(CpuPercentBetween, ExcludedTicksComeOffTheBusyDelta) {
  // 90 of 100 ticks busy, 70 of them the worker's: 20% is load from others.
  const auto p = cpu_percent_between(CpuTimes{0, 1000}, CpuTimes{90, 1100}, 70);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(*p, 20.0);
}

TEST(CpuPercentBetween, MoreExcludedThanBusyIsZeroNotNegative) {
  // A reaped child's whole lifetime lands in cutime at once: it can exceed the interval.
  EXPECT_DOUBLE_EQ(*cpu_percent_between(CpuTimes{0, 1000}, CpuTimes{50, 1100}, 5000), 0.0);
}

TEST(ExcludedTicksBetween, IsTheIncreaseOfTheSameLeader) {
  EXPECT_EQ(excluded_ticks_between(GroupCpuTimes{42, 1000}, GroupCpuTimes{42, 1070}), 70u);
}

TEST(ExcludedTicksBetween, NothingWhenTheWorkerIsGoneOrUnreadableNow) {
  EXPECT_EQ(excluded_ticks_between(GroupCpuTimes{42, 1000}, std::nullopt), 0u);
  EXPECT_EQ(excluded_ticks_between(GroupCpuTimes{42, 1000}, GroupCpuTimes{42, std::nullopt}), 0u);
}

TEST(ExcludedTicksBetween, NothingWithoutABaseOrWhenCountersGoBack) {
  EXPECT_EQ(excluded_ticks_between(GroupCpuTimes{42, std::nullopt}, GroupCpuTimes{42, 1070}), 0u);
  EXPECT_EQ(excluded_ticks_between(GroupCpuTimes{42, 2000}, GroupCpuTimes{42, 1070}), 0u);
}

TEST(ExcludedTicksBetween, ANewWorkerCountsAllItsTicks) {
  // Spawned since the last sample (none then, or another pid): its whole life is this interval.
  EXPECT_EQ(excluded_ticks_between(std::nullopt, GroupCpuTimes{42, 300}), 300u);
  EXPECT_EQ(excluded_ticks_between(GroupCpuTimes{41, 9000}, GroupCpuTimes{42, 300}), 300u);
}

}  // namespace
}  // namespace vs
