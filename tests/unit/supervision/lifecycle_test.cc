// The transition table on its own: (state, event) → (state, actions), no actor, no threads.
#include "supervision/lifecycle.h"

#include <signal.h>

#include <gtest/gtest.h>

namespace vs {
namespace {

using namespace std::chrono_literals;

template <class A>
int count_of(const std::vector<LifecycleAction>& actions) {
  return static_cast<int>(std::count_if(actions.begin(), actions.end(),
                                        [](const LifecycleAction& a) { return std::holds_alternative<A>(a); }));
}

std::vector<WorkerState> published(const std::vector<LifecycleAction>& actions) {
  std::vector<WorkerState> out;
  for (const auto& a : actions) {
    if (auto* p = std::get_if<act::Publish>(&a)) out.push_back(p->snapshot.state);
  }
  return out;
}

class LifecycleTable : public ::testing::Test {
 protected:
  LifecycleTable() : life_(config()) {}

  static Config config() {
    Config c;
    c.worker.stop_timeout_ms = 2000;
    c.worker.kill_timeout_ms = 1000;
    c.worker.stop_on_pressure = true;
    return c;
  }

  std::vector<LifecycleAction> feed(const LifecycleEvent& e) {
    Transition t = step(std::move(life_), e, facts_);
    life_ = std::move(t.state);
    return t.actions;
  }

  void run() {
    feed(ev::StartRequested{1, "test"});
    feed(ev::Spawned{42});
    feed(ev::Ready{"e", "m"});
    ASSERT_EQ(life_.phase, Phase::Running);
  }

  Lifecycle life_;
  Facts facts_{SteadyTime{} + 1h, WallTime{} + 1h, true, ""};
};

TEST_F(LifecycleTable, OnlyMemoryPressureStopsARunningWorker) {
  run();
  auto cpu = feed(ev::GateClosed{false, "cpu 99% > 90%"});
  EXPECT_EQ(life_.phase, Phase::Running);
  EXPECT_EQ(count_of<act::SendShutdown>(cpu), 0);
  EXPECT_TRUE(published(cpu).empty());

  auto memory = feed(ev::GateClosed{true, "memory available 100 MB < 1000 MB"});
  EXPECT_EQ(life_.phase, Phase::Stopping);
  EXPECT_EQ(count_of<act::SendShutdown>(memory), 1);
  EXPECT_EQ(published(memory), std::vector<WorkerState>{WorkerState::Stopping});
  EXPECT_TRUE(life_.stopped_by_pressure);
}

TEST_F(LifecycleTable, StopIsAPhaseWithDeadlinesAndStaleTimersAreIgnored) {
  run();
  auto stop = feed(ev::StopRequested{2, "test"});
  ASSERT_EQ(count_of<act::SendShutdown>(stop), 1);
  ASSERT_EQ(count_of<act::Complete>(stop), 0);  // answered once the worker is gone

  auto early = feed(ev::TimerFired{TimerKind::StopTerm});  // not yet due
  EXPECT_EQ(count_of<act::SignalGroup>(early), 0);
  EXPECT_EQ(count_of<act::Publish>(feed(ev::TimerFired{TimerKind::StartDeadline})), 0);  // stale

  facts_.now += 2000ms;
  auto term = feed(ev::TimerFired{TimerKind::StopTerm});
  ASSERT_EQ(count_of<act::SignalGroup>(term), 1);
  EXPECT_EQ(std::get<act::SignalGroup>(term[1]).signal, SIGTERM);
  facts_.now += 1000ms;
  auto kill = feed(ev::TimerFired{TimerKind::StopKill});
  EXPECT_EQ(count_of<act::Count>(kill), 1);  // forced_kills_total

  auto exited = feed(ev::Exited{ExitStatus{true, SIGKILL}});
  EXPECT_EQ(life_.phase, Phase::Stopped);
  EXPECT_EQ(count_of<act::Teardown>(exited), 1);
  EXPECT_EQ(published(exited), std::vector<WorkerState>{WorkerState::Stopped});
  ASSERT_EQ(count_of<act::Complete>(exited), 1);
  EXPECT_FALSE(life_.wanted);
}

TEST_F(LifecycleTable, RequestsWaitWhileAStopOrACrashIsUnderWay) {
  run();
  EXPECT_TRUE(takes_requests(life_));
  feed(ev::GateClosed{true, "memory"});
  EXPECT_FALSE(takes_requests(life_));  // stopping
  feed(ev::Exited{ExitStatus{false, 0}});
  EXPECT_TRUE(takes_requests(life_));
}

TEST_F(LifecycleTable, AWorkerThatSaysWhyItExitsHasItsReasonInTheCrash) {
  feed(ev::StartRequested{1, "test"});
  feed(ev::Spawned{42});
  feed(ev::FatalError{"MODEL_LOAD_FAILED: model tiny.en is English-only"});
  feed(ev::Exited{ExitStatus{false, 3}});
  EXPECT_EQ(life_.w.last_error, "worker exited before it was ready: exit code 3 (MODEL_LOAD_FAILED: model tiny.en "
                                "is English-only)");
  // The next worker (the crash restart) starts without the old reason.
  ASSERT_EQ(life_.phase, Phase::Backoff);
  facts_.now += 1h;
  feed(ev::TimerFired{TimerKind::BackoffExpiry});
  ASSERT_EQ(life_.phase, Phase::Launching);
  feed(ev::Spawned{43});
  feed(ev::Exited{ExitStatus{false, 1}});
  EXPECT_EQ(life_.w.last_error.find("MODEL_LOAD_FAILED"), std::string::npos) << life_.w.last_error;
}

TEST_F(LifecycleTable, NewBackoffNumbersApplyFromTheNextCrash) {
  run();
  BackoffConfig b;
  b.initial_ms = 7000;
  b.max_ms = 9000;
  b.jitter = 0;
  b.max_restarts = 1;
  auto changed = feed(ev::BackoffChanged{b});
  EXPECT_TRUE(changed.empty());  // nothing to do now
  EXPECT_EQ(life_.phase, Phase::Running);

  feed(ev::Exited{ExitStatus{false, 1}});
  ASSERT_EQ(life_.phase, Phase::Backoff);
  EXPECT_EQ(life_.w.backoff_until, facts_.wall + 7000ms);

  facts_.now += 7000ms;
  facts_.wall += 7000ms;
  feed(ev::TimerFired{TimerKind::BackoffExpiry});
  feed(ev::Spawned{43});
  feed(ev::Exited{ExitStatus{false, 1}});  // the second crash within the window: over max_restarts 1
  EXPECT_EQ(life_.phase, Phase::Failed);
}

}  // namespace
}  // namespace vs
