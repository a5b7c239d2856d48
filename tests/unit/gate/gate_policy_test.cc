// GatePolicy with injected samples and times: thresholds, causes, fail-closed, staleness and the
// exact hysteresis counts.
#include "gate/gate_policy.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

using std::chrono::milliseconds;

const SteadyTime kT0 = SteadyTime{} + std::chrono::hours(1);

PressureConfig config() {
  PressureConfig c;
  c.fail_closed = true;
  c.min_available_memory_mb = 2048;
  c.max_memory_percent = 85;
  c.max_cpu_percent = 90;
  c.max_psi_some_avg10 = 0;
  c.monitor_interval_ms = 1000;
  c.sample_timeout_ms = 800;
  c.reopen_after_samples = 3;
  return c;
}

// A sample well inside every default threshold.
PressureSample good(SteadyTime at = kT0) {
  PressureSample s;
  s.taken_at = at;
  s.valid = true;
  s.memory_total_mb = 16384;
  s.memory_available_mb = 12288;
  s.memory_percent = 25;
  s.cpu_percent = 10;
  return s;
}

PressureSample low_memory(double available_mb = 512) {
  PressureSample s = good();
  s.memory_available_mb = available_mb;
  return s;
}

PressureSample busy_cpu(double percent = 97) {
  PressureSample s = good();
  s.cpu_percent = percent;
  return s;
}

PressureSample invalid(const std::string& reason = "cannot read /x/meminfo: No such file") {
  PressureSample s;
  s.taken_at = kT0;
  s.valid = false;
  s.reason = reason;
  return s;
}

TEST(GatePolicy, ClosedBeforeAnySample) {
  GatePolicy p(config());
  EXPECT_FALSE(p.current().open);
  EXPECT_EQ(p.current().cause, GateCause::InvalidSample);
  EXPECT_EQ(p.current().reason, "no pressure sample yet");
  EXPECT_FALSE(p.current().memory_pressure);
}

TEST(GatePolicy, FirstGoodSampleOpensAtOnce) {
  GatePolicy p(config());
  const GateDecision d = p.observe(good());
  EXPECT_TRUE(d.open);
  EXPECT_EQ(d.cause, GateCause::None);
  EXPECT_EQ(d.reason, "");
}

TEST(GatePolicy, LowAvailableMemoryClosesOnMemory) {
  GatePolicy p(config());
  const GateDecision d = p.observe(low_memory(512));
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.cause, GateCause::Memory);
  EXPECT_TRUE(d.memory_pressure);
  EXPECT_EQ(d.reason, "memory available 512 MB is below the minimum 2048 MB");
}

TEST(GatePolicy, AvailableMemoryExactlyAtTheMinimumIsFine) {
  GatePolicy p(config());
  EXPECT_TRUE(p.observe(low_memory(2048)).open);
  EXPECT_FALSE(p.observe(low_memory(2047.9)).open);
}

TEST(GatePolicy, HighMemoryPercentClosesOnMemory) {
  GatePolicy p(config());
  PressureSample s = good();
  s.memory_percent = 85;
  EXPECT_TRUE(p.observe(s).open) << "at the maximum is fine";
  s.memory_percent = 90.54;
  const GateDecision d = p.observe(s);
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.cause, GateCause::Memory);
  EXPECT_EQ(d.reason, "memory use 90.5% is above the maximum 85%");
}

TEST(GatePolicy, PsiIsCheckedOnlyWithALimitAndWhenPresent) {
  PressureSample s = good();
  s.psi_some_avg10 = 40;
  GatePolicy unchecked(config());
  EXPECT_TRUE(unchecked.observe(s).open) << "limit 0 means not checked";

  PressureConfig c = config();
  c.max_psi_some_avg10 = 10;
  GatePolicy checked(c);
  const GateDecision d = checked.observe(s);
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.cause, GateCause::Memory);
  EXPECT_TRUE(d.memory_pressure);
  EXPECT_EQ(d.reason, "memory pressure (PSI some avg10) 40.00 is above the maximum 10");

  GatePolicy no_psi(c);
  EXPECT_TRUE(no_psi.observe(good()).open) << "a kernel without PSI is not a breach";
}

TEST(GatePolicy, HighCpuClosesOnCpuWithoutMemoryPressure) {
  GatePolicy p(config());
  EXPECT_TRUE(p.observe(busy_cpu(90)).open) << "at the maximum is fine";
  const GateDecision d = p.observe(busy_cpu(97));
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.cause, GateCause::Cpu);
  EXPECT_FALSE(d.memory_pressure);
  EXPECT_EQ(d.reason, "cpu 97.0% is above the maximum 90%");
}

TEST(GatePolicy, UnknownCpuIsNotABreach) {
  GatePolicy p(config());
  PressureSample s = good();
  s.cpu_percent.reset();
  EXPECT_TRUE(p.observe(s).open);
}

TEST(GatePolicy, MemoryWinsOverCpuAndTheReasonNamesBoth) {
  GatePolicy p(config());
  PressureSample s = low_memory(512);
  s.cpu_percent = 97;
  const GateDecision d = p.observe(s);
  EXPECT_EQ(d.cause, GateCause::Memory);
  EXPECT_TRUE(d.memory_pressure);
  EXPECT_EQ(d.reason,
            "memory available 512 MB is below the minimum 2048 MB; "
            "cpu 97.0% is above the maximum 90%");
}

TEST(GatePolicy, FractionalLimitsArePrintedAsWritten) {
  PressureConfig c = config();
  c.max_cpu_percent = 87.5;
  GatePolicy p(c);
  EXPECT_EQ(p.observe(busy_cpu(90)).reason, "cpu 90.0% is above the maximum 87.5%");
}

TEST(GatePolicy, FailClosedInvalidSampleClosesWithItsReason) {
  GatePolicy p(config());
  p.observe(good());
  const GateDecision d = p.observe(invalid("cannot read /x/meminfo: No such file or directory"));
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.cause, GateCause::InvalidSample);
  EXPECT_FALSE(d.memory_pressure);
  EXPECT_EQ(d.reason, "cannot read /x/meminfo: No such file or directory");
}

TEST(GatePolicy, FailOpenInvalidSampleLeavesTheDecisionAsItWas) {
  PressureConfig c = config();
  c.fail_closed = false;
  GatePolicy p(c);
  p.observe(good());
  EXPECT_TRUE(p.observe(invalid()).open);

  p.observe(busy_cpu());
  p.observe(good());  // recovering: 1 of 3
  const GateDecision d = p.observe(invalid());
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.cause, GateCause::Cpu);
  EXPECT_EQ(d.good_samples_in_row, 1) << "neither good nor bad";
  EXPECT_EQ(d.reason, "cpu 97.0% is above the maximum 90% (recovering: 1 of 3 good samples)");
}

TEST(GatePolicy, FailOpenFirstSampleInvalidOpens) {
  PressureConfig c = config();
  c.fail_closed = false;
  GatePolicy p(c);
  EXPECT_TRUE(p.observe(invalid()).open);
}

TEST(GatePolicy, StaleAfterIntervalPlusTimeout) {
  GatePolicy p(config());
  p.observe(good(kT0));
  EXPECT_TRUE(p.check_stale(kT0 + milliseconds(1800)).open) << "exactly at the limit is fine";
  const GateDecision d = p.check_stale(kT0 + milliseconds(2300));
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.cause, GateCause::Stale);
  EXPECT_FALSE(d.memory_pressure);
  EXPECT_EQ(d.reason, "pressure sample is stale (last taken 2300 ms ago)");
}

TEST(GatePolicy, StaleIsIgnoredWithoutFailClosedOrBeforeAnySample) {
  PressureConfig c = config();
  c.fail_closed = false;
  GatePolicy open_policy(c);
  open_policy.observe(good(kT0));
  EXPECT_TRUE(open_policy.check_stale(kT0 + std::chrono::hours(1)).open);

  GatePolicy fresh(config());
  EXPECT_EQ(fresh.check_stale(kT0).reason, "no pressure sample yet");
}

TEST(GatePolicy, SlowSampleIsStale) {
  GatePolicy p(config());
  PressureSample s = good();
  s.read_duration = milliseconds(800);
  EXPECT_TRUE(p.observe(s).open) << "at the limit is fine";
  s.read_duration = milliseconds(950);
  const GateDecision d = p.observe(s);
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.cause, GateCause::Stale);
  EXPECT_EQ(d.reason, "pressure sample is stale (reading it took 950 ms, the limit is 800 ms)");
}

TEST(GatePolicy, DecideAtDoesNotChangeState) {
  GatePolicy p(config());
  p.observe(good(kT0));
  EXPECT_EQ(p.decide_at(kT0 + milliseconds(5000)).cause, GateCause::Stale);
  EXPECT_TRUE(p.current().open);
  EXPECT_TRUE(p.decide_at(kT0 + milliseconds(10)).open);
}

TEST(GatePolicy, HysteresisClosesOnOneBadAndReopensOnTheNthGood) {
  GatePolicy p(config());  // reopen_after_samples = 3
  ASSERT_TRUE(p.observe(good()).open);
  ASSERT_FALSE(p.observe(low_memory()).open);

  GateDecision d = p.observe(good());
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.good_samples_in_row, 1);
  EXPECT_EQ(d.cause, GateCause::Memory);
  EXPECT_TRUE(d.memory_pressure) << "still a memory closure while recovering";
  EXPECT_EQ(d.reason,
            "memory available 512 MB is below the minimum 2048 MB (recovering: 1 of 3 good samples)");

  d = p.observe(good());
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.good_samples_in_row, 2);
  EXPECT_EQ(d.reason,
            "memory available 512 MB is below the minimum 2048 MB (recovering: 2 of 3 good samples)");

  d = p.observe(good());
  EXPECT_TRUE(d.open);
  EXPECT_EQ(d.cause, GateCause::None);
  EXPECT_FALSE(d.memory_pressure);
  EXPECT_EQ(d.reason, "");
}

TEST(GatePolicy, BadSampleDuringRecoveryResetsTheCount) {
  GatePolicy p(config());
  p.observe(busy_cpu());
  p.observe(good());
  p.observe(good());
  GateDecision d = p.observe(busy_cpu(95));
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.good_samples_in_row, 0);
  EXPECT_EQ(d.reason, "cpu 95.0% is above the maximum 90%");
  EXPECT_FALSE(p.observe(good()).open);
  EXPECT_FALSE(p.observe(good()).open);
  EXPECT_TRUE(p.observe(good()).open);
}

TEST(GatePolicy, StaleDuringRecoveryResetsTheCount) {
  GatePolicy p(config());
  p.observe(busy_cpu());
  p.observe(good(kT0));
  p.observe(good(kT0));
  EXPECT_EQ(p.check_stale(kT0 + milliseconds(5000)).good_samples_in_row, 0);
  EXPECT_FALSE(p.observe(good(kT0 + milliseconds(5000))).open);
}

TEST(GatePolicy, ReopenAfterOneOrZeroOpensOnTheFirstGoodSample) {
  for (int n : {0, 1}) {
    PressureConfig c = config();
    c.reopen_after_samples = n;
    GatePolicy p(c);
    p.observe(busy_cpu());
    EXPECT_TRUE(p.observe(good()).open) << "reopen_after_samples=" << n;
  }
}

TEST(GatePolicy, FirstInvalidSampleIsARealClosureWithHysteresis) {
  GatePolicy p(config());
  p.observe(invalid());
  EXPECT_FALSE(p.observe(good()).open);
  EXPECT_FALSE(p.observe(good()).open);
  EXPECT_TRUE(p.observe(good()).open);
}

TEST(GatePolicy, CauseFollowsTheLatestBadSampleWhileClosed) {
  GatePolicy p(config());
  GateDecision d = p.observe(busy_cpu());
  EXPECT_FALSE(d.memory_pressure);
  d = p.observe(low_memory());
  EXPECT_EQ(d.cause, GateCause::Memory);
  EXPECT_TRUE(d.memory_pressure);
  d = p.observe(busy_cpu());
  EXPECT_EQ(d.cause, GateCause::Cpu);
  EXPECT_FALSE(d.memory_pressure);
}

TEST(GatePolicy, NewThresholdsJudgeTheNextSampleAndKeepTheHysteresis) {
  GatePolicy p(config());
  ASSERT_TRUE(p.observe(busy_cpu(97)).open == false);  // 97 % > 90 %

  PressureConfig looser = config();
  looser.max_cpu_percent = 99;
  looser.reopen_after_samples = 1;  // not a threshold: stays 3
  looser.fail_closed = false;       // nor is this
  p.set_thresholds(looser);
  EXPECT_FALSE(p.observe(busy_cpu(97)).open);  // good now, but a closed gate needs 3 in a row
  EXPECT_FALSE(p.observe(busy_cpu(97)).open);
  EXPECT_TRUE(p.observe(busy_cpu(97)).open);
  EXPECT_FALSE(p.observe(invalid()).open) << "fail_closed kept as started";

  PressureConfig stricter = config();
  stricter.min_available_memory_mb = 20000;
  p.set_thresholds(stricter);
  const GateDecision d = p.observe(good());
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.cause, GateCause::Memory);
}

TEST(GateCause, HasStableNames) {
  EXPECT_STREQ(to_string(GateCause::None), "none");
  EXPECT_STREQ(to_string(GateCause::Memory), "memory");
  EXPECT_STREQ(to_string(GateCause::Cpu), "cpu");
  EXPECT_STREQ(to_string(GateCause::InvalidSample), "invalid_sample");
  EXPECT_STREQ(to_string(GateCause::Stale), "stale");
}

}  // namespace
}  // namespace vs
