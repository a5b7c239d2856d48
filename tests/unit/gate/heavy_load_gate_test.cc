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
using test::process_stat_text;
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

// --- the supervised worker's CPU does not gate (DESIGN.md §5) ---

// A worker-pid provider that also advances the fixture: at its n-th call the machine has spent
// n * machine_busy of every 1000 ticks busy, n * worker_ticks of them in the worker. The gate
// calls the provider on its sampling thread just before it reads the files, so writing them
// here gives every sample a consistent pair (a test thread writing them would race the reads:
// a sample could see the machine's new line with the worker's old one).
class LoadedMachine {
 public:
  LoadedMachine(const FixtureDir& dir, uint64_t machine_busy, uint64_t worker_ticks,
                std::optional<pid_t> worker)
      : dir_(dir), machine_busy_(machine_busy), worker_ticks_(worker_ticks), worker_(worker) {}

  std::optional<pid_t> operator()() {
    std::lock_guard lk(mu_);
    ++calls_;
    dir_.write("proc/stat", stat_text(1000 + calls_ * machine_busy_, 9000 + calls_ * (1000 - machine_busy_)));
    if (worker_ && worker_ticks_ > 0) {
      dir_.write("proc/" + std::to_string(*worker_) + "/stat",
                 process_stat_text(*worker_, calls_ * worker_ticks_, 0));
    }
    cv_.notify_all();
    return worker_;
  }

  // Returns once `samples` samples have been taken and published (the provider's next call
  // comes only after the previous sample is done).
  bool wait_for_samples(uint64_t samples) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, kDeadline, [&] { return calls_ > samples; });
  }

 private:
  const FixtureDir& dir_;
  const uint64_t machine_busy_, worker_ticks_;
  const std::optional<pid_t> worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t calls_ = 0;
};

constexpr pid_t kWorker = 4242;

TEST(HeavyLoadGate, ABusyWorkerDoesNotCloseTheGate) {
  FixtureDir dir;
  dir.write_healthy();
  LoadedMachine machine(dir, 990, 950, kWorker);  // 99% busy, 95 points of it the worker
  Recorder rec;
  HeavyLoadGate gate(fast_config(dir));
  gate.on_change([&](const GateSnapshot& s) { rec.record(s); });
  gate.exclude_process_group([&] { return machine(); });
  gate.start();
  ASSERT_TRUE(machine.wait_for_samples(5));

  const GateSnapshot s = gate.snapshot();
  EXPECT_TRUE(s.decision.open) << s.decision.reason;
  ASSERT_TRUE(s.sample.cpu_percent_total && s.sample.cpu_percent);
  EXPECT_DOUBLE_EQ(*s.sample.cpu_percent_total, 99.0) << "the machine's figure keeps the worker";
  EXPECT_DOUBLE_EQ(*s.sample.cpu_percent, 4.0) << "the gating figure leaves it out";
  EXPECT_EQ(s.closures_total, 0u);
  EXPECT_EQ(rec.count(), 1u) << "only the first opening";
}

TEST(HeavyLoadGate, AWorkerWhoseStatCannotBeReadHidesNoLoad) {
  FixtureDir dir;
  dir.write_healthy();
  LoadedMachine machine(dir, 990, 0, kWorker);  // no stat file is ever written for the worker
  HeavyLoadGate gate(fast_config(dir));
  gate.exclude_process_group([&] { return machine(); });
  gate.start();
  ASSERT_TRUE(machine.wait_for_samples(3));

  const GateSnapshot s = gate.snapshot();
  EXPECT_FALSE(s.decision.open);
  EXPECT_EQ(s.decision.cause, GateCause::Cpu) << "the load closes it, not the missing file";
  EXPECT_TRUE(s.sample.valid) << s.sample.reason;
  ASSERT_TRUE(s.sample.cpu_percent && s.sample.cpu_percent_total);
  EXPECT_DOUBLE_EQ(*s.sample.cpu_percent, *s.sample.cpu_percent_total);
}

TEST(HeavyLoadGate, AnUnreadableWorkerStatDoesNotCloseTheGateByItself) {
  FixtureDir dir;
  dir.write_healthy();
  dir.make_directory_at("proc/4242/stat");  // present but unreadable
  LoadedMachine machine(dir, 100, 0, kWorker);  // a quiet machine
  HeavyLoadGate gate(fast_config(dir));  // fail_closed
  gate.exclude_process_group([&] { return machine(); });
  gate.start();
  ASSERT_TRUE(machine.wait_for_samples(3));

  const GateSnapshot s = gate.snapshot();
  EXPECT_TRUE(s.decision.open) << s.decision.reason;
  EXPECT_EQ(s.invalid_samples_total, 0u);
}

TEST(HeavyLoadGate, WithoutAProviderTheMachinesFigureGates) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/4242/stat", process_stat_text(kWorker, 0, 0));
  Recorder rec;
  HeavyLoadGate gate(fast_config(dir));
  gate.on_change([&](const GateSnapshot& s) { rec.record(s); });
  gate.start();
  ASSERT_TRUE(rec.next()->decision.open);

  // A busy process the gate was not told about is load like any other.
  dir.write("proc/4242/stat", process_stat_text(kWorker, 1'000'000, 0));
  dir.write("proc/stat", stat_text(1000 + 990, 9000 + 10));
  const auto closed = rec.next();
  ASSERT_TRUE(closed) << "the gate never closed";
  EXPECT_EQ(closed->decision.cause, GateCause::Cpu);
  EXPECT_FALSE(closed->sample.excluded_group);
  ASSERT_TRUE(closed->sample.cpu_percent && closed->sample.cpu_percent_total);
  EXPECT_DOUBLE_EQ(*closed->sample.cpu_percent, *closed->sample.cpu_percent_total);
}

TEST(HeavyLoadGate, AThrowingProviderCountsAsNoWorker) {
  FixtureDir dir;
  dir.write_healthy();
  LoadedMachine machine(dir, 990, 950, kWorker);
  HeavyLoadGate gate(fast_config(dir));
  gate.exclude_process_group([&]() -> std::optional<pid_t> {
    machine();
    throw std::runtime_error("supervisor gone");
  });
  gate.start();
  ASSERT_TRUE(machine.wait_for_samples(3)) << "sampling must go on";
  const GateSnapshot s = gate.snapshot();
  EXPECT_FALSE(s.sample.excluded_group);
  EXPECT_EQ(s.decision.cause, GateCause::Cpu) << "unknown worker: the whole machine's load gates";
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
