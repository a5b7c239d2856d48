// The Supervisor's whole lifecycle driven through a fake launcher and a fake clock: no processes,
// no real timeouts — seconds of lifecycle in milliseconds. The real gate reads fixture files, as
// in supervisor_test.cc. Negative checks ("nothing happened yet") give the actor a few real
// milliseconds first; everything positive is awaited with a deadline.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "fakes.h"
#include "supervision/supervisor.h"
#include "supervision/supervisor_deps.h"
#include "test_helpers.h"

namespace vs {
namespace {

using namespace std::chrono_literals;
using test::wait_until;

// One async caller's answers: how many, the last, and on which thread.
struct Answer {
  std::mutex mu;
  std::optional<Outcome> outcome;
  int calls = 0;
  std::thread::id thread;

  Supervisor::Completion done() {
    return [this](const Outcome& o) {
      std::lock_guard lock(mu);
      outcome = o;
      ++calls;
      thread = std::this_thread::get_id();
    };
  }
  bool answered() {
    std::lock_guard lock(mu);
    return calls > 0;
  }
  Outcome get() {
    std::lock_guard lock(mu);
    return *outcome;
  }
  int count() {
    std::lock_guard lock(mu);
    return calls;
  }
};

class SupervisorLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vs-life-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    set_memory(true);
    write(dir_ + "/stat", "cpu  100 0 100 1000 0 0 0 0 0 0\n");
    auto& p = config_.pressure;
    p.proc_root = dir_;
    p.cgroup_root = dir_ + "/no-cgroup";
    p.monitor_interval_ms = 10;
    p.sample_timeout_ms = 1000;
    p.reopen_after_samples = 1;
    p.min_available_memory_mb = 1000;
    p.max_memory_percent = 95;
    p.max_cpu_percent = 100;
    auto& w = config_.worker;
    w.command = {"/fake/worker"};
    w.start_timeout_ms = 5000;
    w.stop_timeout_ms = 2000;
    w.kill_timeout_ms = 2000;
    w.ping_interval_ms = 1000;
    w.ping_timeout_ms = 3000;
    w.ping_failure_limit = 3;
    auto& b = config_.backoff;
    b.initial_ms = 200;
    b.multiplier = 2;
    b.max_ms = 5000;
    b.jitter = 0;
    b.max_restarts = 3;
    b.restart_window_ms = 60000;
    config_.control_timeout_ms = 2000;
  }

  void TearDown() override {
    // A worker that ignores the shutdown line must not hold the test: time keeps moving.
    std::atomic<bool> done{false};
    std::thread ticker([&] {
      while (!done) {
        clock_->advance(1s);
        std::this_thread::sleep_for(2ms);
      }
    });
    sup_.reset();
    done = true;
    ticker.join();
    gate_.reset();
    std::filesystem::remove_all(dir_);
  }

  static void write(const std::string& path, const std::string& text) {
    { std::ofstream(path + ".tmp") << text; }
    std::filesystem::rename(path + ".tmp", path);
  }
  void set_memory(bool plenty) {
    write(dir_ + "/meminfo", std::string("MemTotal:       16000000 kB\nMemAvailable:   ") +
                                 (plenty ? "12000000" : "100000") + " kB\n");
  }

  Supervisor& make(bool begin = true) {
    gate_ = std::make_unique<HeavyLoadGate>(config_.pressure);
    SupervisorDeps deps{std::make_unique<test::FakeLauncher>(spawns_), clock_, [this] { return draw_.load(); }};
    sup_ = std::make_unique<Supervisor>(config_, *gate_, bus_, std::move(deps));
    gate_->start();
    if (begin) sup_->begin();
    return *sup_;
  }

  WorkerState state() const { return sup_->snapshot().state; }
  bool reaches(WorkerState s) { return wait_until([&] { return state() == s; }, 5s); }
  bool spawned(size_t n) { return wait_until([&] { return spawns_->count() == n; }, 5s); }
  // Lets the actor act on whatever it was woken for, for checks that something did NOT happen.
  static void settle() { std::this_thread::sleep_for(30ms); }

  // A running worker: start, spawn, ready.
  std::shared_ptr<test::FakeWorker> run_worker() {
    Answer a;
    sup_->start("test", a.done());
    EXPECT_TRUE(wait_until([&] { return spawns_->count() > 0 && state() == WorkerState::Starting; }, 5s));
    auto w = spawns_->last();
    w->ready();
    EXPECT_TRUE(wait_until([&] { return a.answered(); }, 5s));
    EXPECT_TRUE(a.get().ok()) << a.get().message;
    EXPECT_EQ(state(), WorkerState::Running);
    return w;
  }

  std::string dir_;
  Config config_;
  EventBus bus_{1024};
  std::shared_ptr<test::FakeClock> clock_ = std::make_shared<test::FakeClock>();
  std::shared_ptr<test::Spawns> spawns_ = std::make_shared<test::Spawns>();
  std::atomic<double> draw_{0.5};
  std::unique_ptr<HeavyLoadGate> gate_;
  std::unique_ptr<Supervisor> sup_;
};

TEST_F(SupervisorLifecycle, SameStartsShareOneSpawnAndEachCallerIsAnsweredOnce) {
  Supervisor& sup = make();
  std::vector<std::unique_ptr<Answer>> answers;
  for (int i = 0; i < 20; ++i) {
    answers.push_back(std::make_unique<Answer>());
    sup.start("same", answers.back()->done());
  }
  ASSERT_TRUE(reaches(WorkerState::Starting));
  settle();
  EXPECT_EQ(spawns_->count(), 1u);
  for (auto& a : answers) EXPECT_FALSE(a->answered());  // all wait for the one ready
  spawns_->at(0)->ready();
  ASSERT_TRUE(wait_until([&] { return std::all_of(answers.begin(), answers.end(), [](auto& a) { return a->answered(); }); }));
  settle();
  for (auto& a : answers) {
    EXPECT_TRUE(a->get().ok());
    EXPECT_EQ(a->count(), 1);
  }
  EXPECT_EQ(spawns_->count(), 1u);
  EXPECT_EQ(sup.counters().start_requests_total, 20u);
  EXPECT_EQ(sup.counters().spawns_total, 1u);
  EXPECT_EQ(sup.snapshot().model, "m1");
  EXPECT_NE(sup.worker_link().load(), nullptr);  // stored once running
}

TEST_F(SupervisorLifecycle, CrashRestartsFollowTheJitteredBackoff) {
  config_.backoff.jitter = 0.5;
  draw_ = 0.75;  // factor 1 - 0.5 + 2 * 0.5 * 0.75 = 1.25: 250, 500, 1000 ms
  Supervisor& sup = make();
  Answer a;
  sup.start("test", a.done());
  ASSERT_TRUE(spawned(1));
  spawns_->at(0)->exit({false, 3});
  ASSERT_TRUE(wait_until([&] { return a.answered(); }));
  EXPECT_EQ(a.get().code, Outcome::Code::Failed);
  EXPECT_EQ(a.get().message, "worker exited before it was ready: exit code 3");
  EXPECT_EQ(a.get().retry_after, 1s);
  EXPECT_EQ(state(), WorkerState::Backoff);

  for (size_t n = 1; n <= 3; ++n) {
    const auto delay = 250ms * (1 << (n - 1));
    ASSERT_TRUE(reaches(WorkerState::Backoff));
    EXPECT_EQ(*sup.snapshot().backoff_until - clock_->wall(), delay) << "restart " << n;
    clock_->advance(delay - 1ms);
    settle();
    EXPECT_EQ(spawns_->count(), n) << "restarted before its delay";
    clock_->advance(1ms);
    ASSERT_TRUE(spawned(n + 1));
    ASSERT_TRUE(reaches(WorkerState::Starting));
    EXPECT_EQ(sup.snapshot().restart_count, n);
    if (n < 3) spawns_->last()->exit({false, 3});
  }
  spawns_->last()->ready();
  ASSERT_TRUE(reaches(WorkerState::Running));
  EXPECT_EQ(sup.counters().crash_recoveries_total, 1u);
  EXPECT_EQ(sup.counters().crashes[index(CrashCause::Exit)], 3u);
}

TEST_F(SupervisorLifecycle, ASpentRestartBudgetIsFailedUntilAnExplicitStart) {
  config_.backoff.max_restarts = 2;
  Supervisor& sup = make();
  sup.start("test", [](const Outcome&) {});
  for (size_t n = 1; n <= 3; ++n) {
    ASSERT_TRUE(spawned(n));
    ASSERT_TRUE(reaches(WorkerState::Starting));
    spawns_->last()->exit({true, SIGSEGV});
    if (n < 3) {
      ASSERT_TRUE(reaches(WorkerState::Backoff));
      clock_->advance(5s);
    }
  }
  ASSERT_TRUE(reaches(WorkerState::Failed));
  const auto w = sup.snapshot();
  EXPECT_EQ(w.last_error, "restart budget spent: 3 crashes within 60000 ms");
  EXPECT_EQ(w.crash_count, 3u);
  EXPECT_FALSE(w.backoff_until);
  EXPECT_EQ(sup.counters().crashes[index(CrashCause::Signal)], 3u);
  clock_->advance(60s);
  settle();
  EXPECT_EQ(spawns_->count(), 3u);  // failed: nothing restarts it

  run_worker();  // only an explicit start leaves failed, and it forgets the history
  EXPECT_EQ(spawns_->count(), 4u);
  EXPECT_EQ(sup.counters().crash_recoveries_total, 0u);
}

TEST_F(SupervisorLifecycle, MemoryPressureStopsTheWorkerAndRecoveryResumesIt) {
  Supervisor& sup = make();
  auto first = run_worker();
  set_memory(false);
  ASSERT_TRUE(reaches(WorkerState::Stopped));
  EXPECT_TRUE(first->shutdown_sent());  // the graceful sequence
  EXPECT_TRUE(first->signals().empty());
  EXPECT_EQ(sup.snapshot().last_exit, "exit code 0");
  EXPECT_EQ(sup.counters().pressure_stops_total, 1u);
  EXPECT_EQ(sup.worker_link().load(), nullptr);

  const Outcome refused = sup.start("test");
  EXPECT_EQ(refused.code, Outcome::Code::GateClosed);
  EXPECT_EQ(refused.retry_after, 1s);

  set_memory(true);
  ASSERT_TRUE(spawned(2));
  spawns_->last()->ready();
  ASSERT_TRUE(reaches(WorkerState::Running));
  EXPECT_EQ(sup.counters().pressure_resumes_total, 1u);
}

TEST_F(SupervisorLifecycle, GateClosedWhenTheBackoffEndsLeavesItStoppedButWanted) {
  Supervisor& sup = make();
  auto w = run_worker();
  w->exit({false, 1});
  ASSERT_TRUE(reaches(WorkerState::Backoff));
  set_memory(false);
  ASSERT_TRUE(wait_until([&] { return !gate_->allowed(); }));
  clock_->advance(1s);
  ASSERT_TRUE(reaches(WorkerState::Stopped));
  settle();
  EXPECT_EQ(spawns_->count(), 1u);  // not into pressure
  set_memory(true);
  ASSERT_TRUE(spawned(2));  // wanted: the reopening starts it, as a crash restart
  // The snapshot follows the spawn on the supervisor's thread: wait for it, not for luck.
  EXPECT_TRUE(wait_until([&] { return sup.snapshot().restart_count == 1u; })) << sup.snapshot().restart_count;
}

TEST_F(SupervisorLifecycle, StopEscalatesFromShutdownToTermToKillOnItsDeadlines) {
  spawns_->configure([](test::FakeWorker& w) {
    w.ignores_shutdown = true;
    w.ignores_term = true;
  });
  Supervisor& sup = make();
  auto w = run_worker();
  Answer stop;
  sup.stop("test", stop.done());
  ASSERT_TRUE(reaches(WorkerState::Stopping));
  // The state is published before the shutdown line goes out, on the actor's thread: wait for it.
  EXPECT_TRUE(wait_until([&] { return w->shutdown_sent(); }));
  clock_->advance(1999ms);
  settle();
  EXPECT_TRUE(w->signals().empty());
  clock_->advance(1ms);
  ASSERT_TRUE(wait_until([&] { return w->signals() == std::vector<int>{SIGTERM}; }));
  clock_->advance(1999ms);
  settle();
  EXPECT_EQ(w->signals().size(), 1u);
  EXPECT_FALSE(stop.answered());
  clock_->advance(1ms);
  ASSERT_TRUE(wait_until([&] { return stop.answered(); }));
  EXPECT_EQ(w->signals(), (std::vector<int>{SIGTERM, SIGKILL}));
  EXPECT_TRUE(stop.get().ok());
  EXPECT_EQ(state(), WorkerState::Stopped);
  EXPECT_EQ(sup.snapshot().last_exit, "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(sup.counters().forced_kills_total, 1u);
  EXPECT_EQ(sup.snapshot().crash_count, 0u);
}

TEST_F(SupervisorLifecycle, RestartDuringARecordingSkipsTheFlush) {
  Supervisor& sup = make();
  auto first = run_worker();
  first->feeding_recording = true;
  Answer restarted;
  sup.restart("test", restarted.done());
  ASSERT_TRUE(spawned(2));
  EXPECT_FALSE(first->shutdown_sent());
  EXPECT_EQ(first->signals(), std::vector<int>{SIGTERM});
  spawns_->last()->ready();
  ASSERT_TRUE(wait_until([&] { return restarted.answered(); }));
  EXPECT_TRUE(restarted.get().ok());
  EXPECT_EQ(sup.snapshot().crash_count, 0u);
}

TEST_F(SupervisorLifecycle, AStopInterruptsAStartWaitingForReady) {
  Supervisor& sup = make();
  Answer start, stop;
  sup.start("test", start.done());
  ASSERT_TRUE(reaches(WorkerState::Starting));
  sup.stop("test", stop.done());
  ASSERT_TRUE(wait_until([&] { return start.answered() && stop.answered(); }));
  EXPECT_EQ(start.get().code, Outcome::Code::Failed);
  EXPECT_EQ(start.get().message, "worker start interrupted by a stop request");
  EXPECT_TRUE(stop.get().ok());
  EXPECT_EQ(state(), WorkerState::Stopped);
  EXPECT_TRUE(spawns_->at(0)->shutdown_sent());
  EXPECT_EQ(sup.snapshot().crash_count, 0u);
}

TEST_F(SupervisorLifecycle, NoReadyWithinTheStartTimeoutIsACrash) {
  Supervisor& sup = make();
  Answer start;
  sup.start("test", start.done());
  ASSERT_TRUE(reaches(WorkerState::Starting));
  clock_->advance(4999ms);
  settle();
  EXPECT_FALSE(start.answered());
  clock_->advance(1ms);
  ASSERT_TRUE(wait_until([&] { return start.answered(); }));
  EXPECT_EQ(start.get().message, "worker did not become ready within 5000 ms");
  EXPECT_EQ(spawns_->at(0)->signals(), std::vector<int>{SIGKILL});
  EXPECT_EQ(state(), WorkerState::Backoff);
  EXPECT_EQ(sup.snapshot().last_exit, "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(sup.counters().crashes[index(CrashCause::StartTimeout)], 1u);
}

TEST_F(SupervisorLifecycle, PingsAnsweredKeepItAliveAndUnansweredOnesAreAHang) {
  Supervisor& sup = make();
  auto w = run_worker();
  clock_->advance(1s);
  ASSERT_TRUE(wait_until([&] { return w->pings().size() == 1; }));
  w->pong(w->pings()[0]);
  ASSERT_TRUE(wait_until([&] { return sup.snapshot().last_health_check_at.has_value(); }));

  uint64_t most_failures = 0;
  for (int i = 0; i < 20 && w->signals().empty(); ++i) {
    const size_t before = w->pings().size();
    clock_->advance(1s);
    ASSERT_TRUE(wait_until([&] { return w->pings().size() > before || !w->signals().empty(); }));
    most_failures = std::max(most_failures, sup.snapshot().health_failures);
  }
  ASSERT_EQ(w->signals(), std::vector<int>{SIGKILL});
  EXPECT_EQ(most_failures, 3u);  // each miss counted; the third is the hang
  ASSERT_TRUE(reaches(WorkerState::Backoff));
  EXPECT_EQ(sup.counters().crashes[index(CrashCause::PingTimeout)], 1u);
  EXPECT_EQ(sup.snapshot().last_error, "worker did not answer 3 pings within 3000 ms each");
  clock_->advance(200ms);
  ASSERT_TRUE(spawned(2));
}

TEST_F(SupervisorLifecycle, AStartWhoseCallersTimedOutWhileAStopRanIsDropped) {
  config_.worker.start_timeout_ms = 1000;  // the start's caller gives up after 2000 + 1000 ms
  spawns_->configure([](test::FakeWorker& w) {
    w.ignores_shutdown = true;
    w.ignores_term = true;
  });
  Supervisor& sup = make();
  run_worker();
  Answer stop, start;
  sup.stop("test", stop.done());
  ASSERT_TRUE(reaches(WorkerState::Stopping));
  sup.start("test", start.done());  // queued behind the stop
  clock_->advance(3000ms);          // the actor answers it while the stop is still under way
  ASSERT_TRUE(wait_until([&] { return start.answered(); }));
  EXPECT_EQ(start.get().code, Outcome::Code::TimedOut);
  EXPECT_EQ(start.get().message, "worker start did not finish within 3000 ms");
  EXPECT_EQ(state(), WorkerState::Stopping);
  EXPECT_FALSE(stop.answered());
  clock_->advance(2000ms);  // SIGKILL
  ASSERT_TRUE(wait_until([&] { return stop.answered(); }));
  EXPECT_TRUE(stop.get().ok());
  settle();
  EXPECT_EQ(spawns_->count(), 1u);  // nobody waits for that start any more: never run
  EXPECT_EQ(state(), WorkerState::Stopped);
  EXPECT_EQ(start.count(), 1);
}

TEST_F(SupervisorLifecycle, ACallerIsAnsweredOnceEvenWhenItsRequestEndsAfterItsTimeout) {
  spawns_->configure([](test::FakeWorker& w) {
    w.ignores_shutdown = true;
    w.ignores_term = true;
    w.ignores_kill = true;  // stuck in the kernel: even SIGKILL does not end it at once
  });
  Supervisor& sup = make();
  run_worker();
  Answer stop;
  sup.stop("test", stop.done());
  ASSERT_TRUE(reaches(WorkerState::Stopping));
  clock_->advance(7s);  // 2000 + 2000 + 2000 + 1000: the caller's deadline
  ASSERT_TRUE(wait_until([&] { return stop.answered(); }));
  EXPECT_EQ(stop.get().message, "worker stop did not finish within 7000 ms");
  clock_->advance(20s);
  ASSERT_TRUE(wait_until([&] { return spawns_->at(0)->signals().size() == 2; }));  // TERM, KILL
  clock_->advance(20s);  // the reap grace after SIGKILL ends too: the stop gives up on it
  ASSERT_TRUE(reaches(WorkerState::Stopped));
  settle();
  EXPECT_EQ(stop.count(), 1);
  EXPECT_EQ(stop.get().code, Outcome::Code::TimedOut);
}

TEST_F(SupervisorLifecycle, RefusedAtOnceOnTheCallersThreadAndShutdownAnswersTheRest) {
  Supervisor& sup = make(/*begin=*/false);
  Answer early;
  sup.start("test", early.done());
  ASSERT_TRUE(early.answered());  // before the call returned
  EXPECT_EQ(early.thread, std::this_thread::get_id());
  EXPECT_EQ(early.get().message, "supervisor is not running");

  sup.begin();
  Answer waiting;
  sup.start("test", waiting.done());
  ASSERT_TRUE(reaches(WorkerState::Starting));
  sup.shutdown();
  ASSERT_TRUE(waiting.answered());
  EXPECT_EQ(waiting.get().code, Outcome::Code::Failed);
  EXPECT_EQ(waiting.get().message, "supervisor is shutting down");
  EXPECT_NE(waiting.thread, std::this_thread::get_id());  // the actor answered it
  EXPECT_EQ(waiting.count(), 1);
  EXPECT_EQ(state(), WorkerState::Stopped);
  EXPECT_TRUE(spawns_->at(0)->shutdown_sent());
  EXPECT_EQ(sup.snapshot().crash_count, 0u);
}

TEST_F(SupervisorLifecycle, AFailedSpawnIsACrashThatBacksOff) {
  spawns_->fail_next("cannot start worker: /fake/worker: No such file or directory");
  Supervisor& sup = make();
  const Outcome o = sup.start("test");
  EXPECT_EQ(o.code, Outcome::Code::Failed);
  EXPECT_EQ(o.message, "cannot start worker: /fake/worker: No such file or directory");
  EXPECT_EQ(state(), WorkerState::Backoff);
  EXPECT_EQ(sup.counters().crashes[index(CrashCause::SpawnFailed)], 1u);
  EXPECT_EQ(sup.counters().spawns_total, 0u);
  clock_->advance(200ms);
  ASSERT_TRUE(spawned(1));
}

}  // namespace
}  // namespace vs
