// HeavyLoadGate end to end on a fixture tree with a short interval: rewriting a fixture file
// closes the gate and the listener hears it; recovery reopens only after the hysteresis count.
// Waits are bounded by deadlines on a condition variable, never fixed sleeps.
#include "gate/heavy_load_gate.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "fixture_dir.h"

namespace vs {
namespace {

using namespace std::chrono_literals;
using test::FixtureDir;
using test::meminfo_text;
using test::stat_text;

constexpr auto kDeadline = 10s;  // generous: sanitizer builds on 2 shared cores

// Collects the snapshots listeners receive, in order.
class Recorder {
 public:
  void record(const GateSnapshot& s) {
    std::lock_guard lk(mu_);
    events_.push_back(s);
    cv_.notify_all();
  }

  // The next event not yet returned, or none after the deadline.
  std::optional<GateSnapshot> next() {
    std::unique_lock lk(mu_);
    if (!cv_.wait_for(lk, kDeadline, [&] { return events_.size() > consumed_; })) {
      return std::nullopt;
    }
    return events_[consumed_++];
  }

  size_t count() const {
    std::lock_guard lk(mu_);
    return events_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<GateSnapshot> events_;
  size_t consumed_ = 0;
};

PressureConfig fast_config(const FixtureDir& dir) {
  PressureConfig c;
  c.proc_root = dir.proc();
  c.cgroup_root = dir.cgroup();
  c.monitor_interval_ms = 10;
  c.sample_timeout_ms = 5000;  // staleness is tested in GatePolicy; keep loaded CI honest here
  c.reopen_after_samples = 3;
  return c;
}

TEST(HeavyLoadGate, BeforeStartItIsClosedWithoutASample) {
  FixtureDir dir;
  HeavyLoadGate gate(fast_config(dir));
  EXPECT_FALSE(gate.allowed());
  const GateSnapshot s = gate.snapshot();
  EXPECT_EQ(s.decision.reason, "no pressure sample yet");
  EXPECT_EQ(s.samples_total, 0u);
  gate.stop();  // harmless without start
}

TEST(HeavyLoadGate, StartDecidesSynchronously) {
  FixtureDir dir;
  dir.write_healthy();
  Recorder rec;
  HeavyLoadGate gate(fast_config(dir));
  gate.on_change([&](const GateSnapshot& s) { rec.record(s); });
  gate.start();

  // No waiting: start() has sampled and told the listener before returning.
  EXPECT_TRUE(gate.allowed());
  EXPECT_GE(gate.snapshot().samples_total, 1u);
  ASSERT_GE(rec.count(), 1u);
  const auto opened = rec.next();
  EXPECT_TRUE(opened->decision.open);
  EXPECT_EQ(opened->closures_total, 0u) << "leaving the initial state is not a closure";
}

TEST(HeavyLoadGate, MemoryPressureClosesAndRecoveryReopensAfterHysteresis) {
  FixtureDir dir;
  dir.write_healthy();
  Recorder rec;
  HeavyLoadGate gate(fast_config(dir));
  gate.on_change([&](const GateSnapshot& s) { rec.record(s); });
  gate.start();
  ASSERT_TRUE(rec.next()->decision.open);

  dir.write("proc/meminfo", meminfo_text(16 * 1024 * 1024, 512 * 1024));  // 512 MB available
  const auto closed = rec.next();
  ASSERT_TRUE(closed) << "the gate never closed";
  EXPECT_FALSE(closed->decision.open);
  EXPECT_EQ(closed->decision.cause, GateCause::Memory);
  EXPECT_TRUE(closed->decision.memory_pressure);
  EXPECT_EQ(closed->decision.reason,
            "memory available 512 MB is below the minimum 2048 MB; "
            "memory use 96.9% is above the maximum 85%");
  EXPECT_EQ(closed->closures_total, 1u);
  EXPECT_DOUBLE_EQ(closed->sample.memory_available_mb, 512);

  dir.write_healthy();
  const auto reopened = rec.next();
  ASSERT_TRUE(reopened) << "the gate never reopened";
  EXPECT_TRUE(reopened->decision.open);
  EXPECT_EQ(reopened->decision.good_samples_in_row, 3);
  EXPECT_GE(reopened->samples_total, closed->samples_total + 3);
  EXPECT_EQ(rec.count(), 3u) << "recovering samples refresh the reason but are not transitions";
}

TEST(HeavyLoadGate, CpuClosureThatBecomesMemoryClosureIsReported) {
  FixtureDir dir;
  dir.write_healthy();
  PressureConfig c = fast_config(dir);
  c.reopen_after_samples = 1000000;  // stay closed: later samples see no CPU delta at all
  Recorder rec;
  HeavyLoadGate gate(c);
  gate.on_change([&](const GateSnapshot& s) { rec.record(s); });
  gate.start();
  ASSERT_TRUE(rec.next()->decision.open);

  dir.write("proc/stat", stat_text(1000 + 990, 9000 + 10));  // 99% busy since the last sample
  const auto cpu = rec.next();
  ASSERT_TRUE(cpu);
  EXPECT_FALSE(cpu->decision.open);
  EXPECT_EQ(cpu->decision.cause, GateCause::Cpu);
  EXPECT_FALSE(cpu->decision.memory_pressure);

  dir.write("proc/meminfo", meminfo_text(16 * 1024 * 1024, 100 * 1024));
  const auto memory = rec.next();
  ASSERT_TRUE(memory) << "a close that became a memory close must be reported";
  EXPECT_FALSE(memory->decision.open);
  EXPECT_EQ(memory->decision.cause, GateCause::Memory);
  EXPECT_TRUE(memory->decision.memory_pressure);
  EXPECT_EQ(memory->closures_total, 1u) << "still the same closure";
}

TEST(HeavyLoadGate, UnreadableMetricsCloseTheGate) {
  FixtureDir dir;
  dir.write_healthy();
  Recorder rec;
  HeavyLoadGate gate(fast_config(dir));
  gate.on_change([&](const GateSnapshot& s) { rec.record(s); });
  gate.start();
  ASSERT_TRUE(rec.next()->decision.open);

  dir.remove("proc/meminfo");
  const auto closed = rec.next();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->decision.cause, GateCause::InvalidSample);
  EXPECT_EQ(closed->decision.reason,
            "cannot read " + dir.path("proc/meminfo") + ": No such file or directory");
  EXPECT_FALSE(closed->sample.valid);
  EXPECT_GE(closed->invalid_samples_total, 1u);
  EXPECT_FALSE(gate.allowed());
}

TEST(HeavyLoadGate, ListenersMayReadTheGateAndAThrowingOneDoesNotStopSampling) {
  FixtureDir dir;
  dir.write_healthy();
  Recorder rec;
  HeavyLoadGate gate(fast_config(dir));
  gate.on_change([](const GateSnapshot&) { throw std::runtime_error("listener bug"); });
  gate.on_change([&](const GateSnapshot& s) {
    GateSnapshot seen = s;
    seen.samples_total = gate.snapshot().samples_total;  // would deadlock if the lock were held
    rec.record(seen);
  });
  gate.start();
  ASSERT_TRUE(rec.next());
  dir.write("proc/meminfo", meminfo_text(16 * 1024 * 1024, 1024));
  const auto closed = rec.next();
  ASSERT_TRUE(closed) << "sampling stopped after a listener threw";
  EXPECT_FALSE(closed->decision.open);
}

TEST(HeavyLoadGate, StopIsImmediateEvenWithALongInterval) {
  FixtureDir dir;
  dir.write_healthy();
  PressureConfig c = fast_config(dir);
  c.monitor_interval_ms = 60 * 60 * 1000;
  HeavyLoadGate gate(c);
  gate.start();
  const auto before = std::chrono::steady_clock::now();
  gate.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  gate.stop();  // idempotent
}

TEST(HeavyLoadGate, SnapshotGoesStaleOnceNothingSamples) {
  FixtureDir dir;
  dir.write_healthy();
  PressureConfig c = fast_config(dir);
  c.monitor_interval_ms = 20;
  c.sample_timeout_ms = 20;
  HeavyLoadGate gate(c);
  gate.start();
  gate.stop();  // the sampler is gone, as if stuck in a read

  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  GateSnapshot s = gate.snapshot();
  // Polling is the point here: the passage of time itself is what makes it stale.
  while (s.decision.cause != GateCause::Stale && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
    s = gate.snapshot();
  }
  EXPECT_EQ(s.decision.cause, GateCause::Stale);
  EXPECT_FALSE(s.decision.open);
  EXPECT_NE(s.decision.reason.find("pressure sample is stale"), std::string::npos);
}

}  // namespace
}  // namespace vs
