// The Supervisor against real processes: the test worker, a real HeavyLoadGate reading fixture
// files from a temp dir, and a real EventBus. States are awaited with deadlines, never sleeps.
#include "supervision/supervisor.h"

#include <dirent.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_helpers.h"

namespace vs {
namespace {

using namespace std::chrono_literals;
using test::wait_until;
using Clock = std::chrono::steady_clock;

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
  }
  std::filesystem::rename(tmp, path);
}

// Pids of live processes whose command line holds `marker` (zombies included: a zombie is a
// worker nobody reaped yet, and still counts).
std::vector<pid_t> processes_with(const std::string& marker) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = test::read_file(entry.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(marker) != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

std::vector<pid_t> zombie_children() {
  std::vector<pid_t> out;
  const std::string me = std::to_string(::getpid());
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = test::read_file(entry.path().string() + "/stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 2));
    std::string state, ppid;
    rest >> state >> ppid;
    if (state == "Z" && ppid == me) out.push_back(std::stoi(name));
  }
  return out;
}

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vs-sup-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    static std::atomic<int> n{0};
    marker_ = "vs-sup-marker-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    set_memory(true);
    write_atomically(dir_ + "/stat", "cpu  100 0 100 1000 0 0 0 0 0 0\n");

    auto& p = config_.pressure;
    p.proc_root = dir_;
    p.cgroup_root = dir_ + "/no-cgroup";
    p.monitor_interval_ms = 50;
    p.sample_timeout_ms = 1000;
    p.reopen_after_samples = 2;
    p.min_available_memory_mb = 1000;
    p.max_memory_percent = 95;
    p.max_cpu_percent = 100;

    auto& w = config_.worker;
    w.start_timeout_ms = 5000;
    w.stop_timeout_ms = 2000;
    w.kill_timeout_ms = 2000;
    w.ping_interval_ms = 100;
    w.ping_timeout_ms = 300;
    w.ping_failure_limit = 3;
    auto& b = config_.backoff;
    b.initial_ms = 200;
    b.multiplier = 2;
    b.max_ms = 5000;
    b.jitter = 0;
    b.max_restarts = 3;
    b.restart_window_ms = 60000;
    config_.control_timeout_ms = 2000;
    worker_args({});
  }

  void TearDown() override {
    sup_.reset();
    gate_.reset();
    EXPECT_TRUE(wait_until([&] { return processes_with(marker_).empty(); }, 5s)) << "a worker outlived its supervisor";
    std::filesystem::remove_all(dir_);
  }

  void worker_args(std::vector<std::string> extra) {
    config_.worker.command = {test::python(), test::test_worker(), "--marker", marker_, "--pidfile", dir_ + "/worker.pid"};
    config_.worker.command.insert(config_.worker.command.end(), extra.begin(), extra.end());
  }

  void set_memory(bool plenty) {
    write_atomically(dir_ + "/meminfo", std::string("MemTotal:       16000000 kB\nMemAvailable:   ") +
                                            (plenty ? "12000000" : "100000") + " kB\n");
  }

  Supervisor& make() {
    gate_ = std::make_unique<HeavyLoadGate>(config_.pressure);
    sup_ = std::make_unique<Supervisor>(config_, *gate_, bus_);
    gate_->start();
    sup_->begin();
    return *sup_;
  }

  WorkerState state() const { return sup_->snapshot().state; }
  bool in_state(WorkerState s) const { return state() == s; }

  std::string dir_, marker_;
  Config config_;
  EventBus bus_{8192};
  std::unique_ptr<HeavyLoadGate> gate_;
  std::unique_ptr<Supervisor> sup_;
};

// The daemon's systemd watchdog rides on this: the reply comes from the actor's own thread, in
// mailbox order, and never once the actor is gone.
TEST_F(SupervisorTest, HeartbeatIsAnsweredByTheActorAndNotAfterShutdown) {
  Supervisor& sup = make();
  std::atomic<int> replies{0};
  std::atomic<bool> on_caller{false};
  const auto caller = std::this_thread::get_id();
  sup.heartbeat([&] {
    on_caller = std::this_thread::get_id() == caller;
    ++replies;
  });
  ASSERT_TRUE(wait_until([&] { return replies == 1; }, 5s));
  EXPECT_FALSE(on_caller);

  sup.shutdown();
  bool kept = false;
  auto witness = std::make_shared<int>(0);
  sup.heartbeat([&replies, witness] { ++replies; });
  kept = witness.use_count() > 1;  // a closed mailbox drops the reply at once
  EXPECT_FALSE(kept);
  EXPECT_EQ(replies, 1);
}

TEST_F(SupervisorTest, NewBackoffNumbersDelayTheNextCrashRestart) {
  Supervisor& sup = make();
  ASSERT_TRUE(sup.start("test").ok());
  BackoffConfig slower = config_.backoff;
  slower.initial_ms = 4000;
  sup.set_backoff(slower);
  // A start goes through the same mailbox, after the new numbers: once it answers they are in
  // (else a crash seen first, on a slow machine or under TSan, backs off with the old ones).
  ASSERT_TRUE(sup.start("barrier").ok());
  const pid_t pid = *sup.snapshot().pid;
  ::kill(pid, SIGKILL);
  ASSERT_TRUE(wait_until([&] { return in_state(WorkerState::Backoff); }, 5s));
  const WorkerSnapshot w = sup.snapshot();
  ASSERT_TRUE(w.backoff_until);
  const auto left = *w.backoff_until - std::chrono::system_clock::now();
  EXPECT_GT(left, 3s);  // not the configured 200 ms
  EXPECT_LE(left, 4s);
}

TEST_F(SupervisorTest, StartRunningStopWithoutForce) {
  EventStream events = bus_.subscribe();
  Supervisor& sup = make();
  const Outcome o = sup.start("test");
  ASSERT_TRUE(o.ok()) << o.message;
  WorkerSnapshot w = sup.snapshot();
  EXPECT_EQ(w.state, WorkerState::Running);
  ASSERT_TRUE(w.pid);
  EXPECT_EQ(test::read_pid(dir_ + "/worker.pid"), *w.pid);
  EXPECT_EQ(w.engine, "test");
  EXPECT_EQ(w.model, "none");
  EXPECT_TRUE(w.started_at && w.ready_at);
  EXPECT_TRUE(sup.start("again").ok());  // running: Ok at once
  const pid_t pid = *w.pid;

  ASSERT_TRUE(sup.stop("test").ok());
  w = sup.snapshot();
  EXPECT_EQ(w.state, WorkerState::Stopped);
  EXPECT_FALSE(w.pid);
  EXPECT_EQ(w.last_exit, "exit code 0");  // it obeyed the shutdown line
  EXPECT_EQ(w.crash_count, 0u);
  EXPECT_TRUE(test::dead(pid));
  const auto c = sup.counters();
  EXPECT_EQ(c.forced_kills_total, 0u);
  EXPECT_EQ(c.spawns_total, 1u);
  EXPECT_EQ(c.start_requests_total, 2u);
  EXPECT_EQ(c.stop_requests_total, 1u);

  // worker_state events for every transition, and the worker's own ready line, on the daemon bus
  std::vector<std::string> states;
  bool saw_ready = false;
  for (;;) {
    auto r = events.next_for(100ms);
    auto* p = std::get_if<EventPtr>(&r);
    if (!p) break;
    const Event* ev = p->get();
    if (ev->type == "worker_state") states.push_back(ev->body->at("state"));
    if (ev->type == "ready") saw_ready = ev->body->at("marker") == marker_;
  }
  EXPECT_EQ(states, (std::vector<std::string>{"starting", "running", "stopping", "stopped"}));
  EXPECT_TRUE(saw_ready);
}

TEST_F(SupervisorTest, TheWorkerLinkIsHeldExactlyWhileRunningAndCarriesAcks) {
  EventStream events = bus_.subscribe();
  Supervisor& sup = make();
  std::vector<int16_t> pcm(160, 0);
  EXPECT_EQ(sup.worker_link().load(), nullptr);  // nothing runs
  ASSERT_TRUE(sup.start("test").ok());
  const auto link = sup.worker_link().load();
  ASSERT_NE(link, nullptr);
  link->state->set_timeline("", 0, "rec_test");  // as a recording's pump does before its first frame
  ASSERT_EQ(link->sidecar->sink().send_frame("", pcm, Clock::now() + 1s), SendResult::Ok);
  bool acked = false;
  ASSERT_TRUE(wait_until([&] {
    auto r = events.next_for(50ms);
    if (auto* ev = std::get_if<EventPtr>(&r); ev && (*ev)->type == "ack") acked = true;
    return acked;
  }));
  EXPECT_EQ(link->state->acked(""), 0);  // the reader fed the link's ack watermark directly
  EXPECT_GE(sup.ipc_stats().frames_written, 1u);
  ASSERT_TRUE(sup.stop("test").ok());
  EXPECT_EQ(sup.worker_link().load(), nullptr);
  EXPECT_EQ(link->sidecar->sink().send_frame("", pcm, Clock::now() + 100ms), SendResult::Closed);
  EXPECT_GE(sup.ipc_stats().frames_written, 1u);  // kept from the finished instance
}

TEST_F(SupervisorTest, StopEscalatesToSigterm) {
  worker_args({"--ignore-shutdown"});
  config_.worker.stop_timeout_ms = 300;
  Supervisor& sup = make();
  ASSERT_TRUE(sup.start("test").ok());
  const auto t = Clock::now();
  ASSERT_TRUE(sup.stop("test").ok());
  EXPECT_GE(Clock::now() - t, 300ms);
  EXPECT_EQ(sup.snapshot().last_exit, "killed by signal 15 (SIGTERM)");
  EXPECT_EQ(sup.counters().forced_kills_total, 0u);
  EXPECT_EQ(sup.snapshot().crash_count, 0u);
}

TEST_F(SupervisorTest, StopEscalatesToSigkill) {
  worker_args({"--ignore-shutdown", "--ignore-sigterm"});
  config_.worker.stop_timeout_ms = 300;
  config_.worker.kill_timeout_ms = 300;
  Supervisor& sup = make();
  ASSERT_TRUE(sup.start("test").ok());
  const auto t = Clock::now();
  ASSERT_TRUE(sup.stop("test").ok());
  const auto took = Clock::now() - t;
  EXPECT_GE(took, 600ms);
  EXPECT_LT(took, 600ms + 1s);
  EXPECT_EQ(sup.snapshot().last_exit, "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(sup.counters().forced_kills_total, 1u);
  EXPECT_EQ(sup.snapshot().crash_count, 0u);
}

TEST_F(SupervisorTest, CrashLoopBacksOffThenFailsThenExplicitStartWorks) {
  const std::string flag = dir_ + "/crash";
  write_atomically(flag, "");
  worker_args({"--crash-if-exists", flag, "--exit-code", "3"});
  EventStream events = bus_.subscribe();
  Supervisor& sup = make();
  const Outcome o = sup.start("test");
  EXPECT_EQ(o.code, Outcome::Code::Failed);
  EXPECT_EQ(o.message, "worker exited before it was ready: exit code 3");

  ASSERT_TRUE(wait_until([&] { return in_state(WorkerState::Failed); }, 15s));
  WorkerSnapshot w = sup.snapshot();
  EXPECT_EQ(w.crash_count, 4u);   // the first start and 3 restarts
  EXPECT_EQ(w.restart_count, 3u);
  EXPECT_EQ(w.last_exit, "exit code 3");
  EXPECT_EQ(w.last_error, "restart budget spent: 4 crashes within 60000 ms");
  EXPECT_FALSE(w.backoff_until);
  EXPECT_EQ(sup.counters().crashes[index(CrashCause::Exit)], 4u);

  // Delay between entering backoff and the next spawn: 200, 400, 800 ms with jitter 0.
  std::vector<WallTime> backoff_at, starting_at;
  for (;;) {
    auto r = events.next_for(100ms);
    auto* p = std::get_if<EventPtr>(&r);
    if (!p) break;
    const Event* ev = p->get();
    if (ev->type != "worker_state") continue;
    if (ev->body->at("state") == "backoff") backoff_at.push_back(ev->at);
    if (ev->body->at("state") == "starting") starting_at.push_back(ev->at);
  }
  ASSERT_EQ(backoff_at.size(), 3u);
  ASSERT_EQ(starting_at.size(), 4u);
  const int expected[] = {200, 400, 800};
  for (int i = 0; i < 3; ++i) {
    const auto measured = std::chrono::duration_cast<std::chrono::milliseconds>(starting_at[i + 1] - backoff_at[i]);
    std::printf("backoff %d: configured %d ms, measured %lld ms\n", i, expected[i],
                static_cast<long long>(measured.count()));
    EXPECT_NEAR(static_cast<double>(measured.count()), expected[i], 150) << "restart " << i;
  }

  // Only an explicit start leaves failed; it forgets the crash history.
  std::filesystem::remove(flag);
  const Outcome again = sup.start("test");
  ASSERT_TRUE(again.ok()) << again.message;
  EXPECT_EQ(state(), WorkerState::Running);
  EXPECT_EQ(sup.counters().crash_recoveries_total, 0u);  // a user's start, not a recovery
}

TEST_F(SupervisorTest, StartDuringBackoffIsRefusedWithRetryAfter) {
  config_.backoff.initial_ms = 5000;
  worker_args({"--exit-at-once", "2"});
  Supervisor& sup = make();
  EXPECT_EQ(sup.start("test").code, Outcome::Code::Failed);
  ASSERT_TRUE(wait_until([&] { return in_state(WorkerState::Backoff); }));
  ASSERT_TRUE(sup.snapshot().backoff_until);
  const Outcome o = sup.start("test");
  EXPECT_EQ(o.code, Outcome::Code::InBackoff);
  EXPECT_EQ(o.message, "worker in backoff until " + rfc3339(*sup.snapshot().backoff_until));
  ASSERT_TRUE(o.retry_after);
  EXPECT_GE(o.retry_after->count(), 4);
  EXPECT_LE(o.retry_after->count(), 5);
  // A stop cancels the pending restart.
  ASSERT_TRUE(sup.stop("test").ok());
  EXPECT_EQ(state(), WorkerState::Stopped);
  EXPECT_FALSE(sup.snapshot().backoff_until);
}

TEST_F(SupervisorTest, NoReadyIsAStartTimeoutCrash) {
  worker_args({"--no-ready"});
  config_.worker.start_timeout_ms = 500;
  config_.backoff.initial_ms = 10000;
  Supervisor& sup = make();
  const auto t = Clock::now();
  const Outcome o = sup.start("test");
  EXPECT_GE(Clock::now() - t, 500ms);
  EXPECT_EQ(o.code, Outcome::Code::Failed);
  EXPECT_EQ(o.message, "worker did not become ready within 500 ms");
  EXPECT_EQ(sup.counters().crashes[index(CrashCause::StartTimeout)], 1u);
  EXPECT_EQ(state(), WorkerState::Backoff);
  EXPECT_EQ(sup.snapshot().last_exit, "killed by signal 9 (SIGKILL)");
  EXPECT_TRUE(processes_with(marker_).empty());
}

TEST_F(SupervisorTest, SpawnFailureIsReported) {
  config_.worker.command = {"/nonexistent/vs-worker"};
  config_.worker.auto_recover = false;
  Supervisor& sup = make();
  const Outcome o = sup.start("test");
  EXPECT_EQ(o.code, Outcome::Code::Failed);
  EXPECT_EQ(o.message, "cannot start worker: /nonexistent/vs-worker: No such file or directory");
  EXPECT_EQ(sup.counters().crashes[index(CrashCause::SpawnFailed)], 1u);
  EXPECT_EQ(state(), WorkerState::Failed);
  EXPECT_EQ(sup.snapshot().last_error, o.message);
}

TEST_F(SupervisorTest, KilledWorkerIsDetectedAndRestarted) {
  Supervisor& sup = make();
  ASSERT_TRUE(sup.start("test").ok());
  const pid_t first = *sup.snapshot().pid;
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] {
    auto w = sup.snapshot();
    return w.state == WorkerState::Running && w.pid && *w.pid != first;
  }));
  const auto w = sup.snapshot();
  EXPECT_EQ(w.crash_count, 1u);
  EXPECT_EQ(w.restart_count, 1u);
  EXPECT_EQ(w.last_exit, "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(sup.counters().crashes[index(CrashCause::Signal)], 1u);
  EXPECT_EQ(sup.counters().crash_recoveries_total, 1u);
}

TEST_F(SupervisorTest, StoppedWorkerFailsPingsAndIsKilledAndRestarted) {
  Supervisor& sup = make();
  ASSERT_TRUE(sup.start("test").ok());
  ASSERT_TRUE(wait_until([&] { return sup.snapshot().last_health_check_at.has_value(); }));  // pongs flow
  const pid_t first = *sup.snapshot().pid;
  ASSERT_EQ(::kill(first, SIGSTOP), 0);
  ASSERT_TRUE(wait_until([&] {
    auto w = sup.snapshot();
    return w.state == WorkerState::Running && w.pid && *w.pid != first;
  }));
  EXPECT_EQ(sup.counters().crashes[index(CrashCause::PingTimeout)], 1u);
  EXPECT_EQ(sup.snapshot().last_exit, "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(sup.snapshot().health_failures, 0u);
  EXPECT_TRUE(test::dead(first));
}

TEST_F(SupervisorTest, UnexpectedExitAfterReadyIsACrash) {
  worker_args({"--exit-after-ms", "200", "--exit-code", "5"});
  config_.backoff.initial_ms = 10000;
  Supervisor& sup = make();
  ASSERT_TRUE(sup.start("test").ok());
  ASSERT_TRUE(wait_until([&] { return in_state(WorkerState::Backoff); }));
  EXPECT_EQ(sup.snapshot().last_exit, "exit code 5");
  EXPECT_EQ(sup.snapshot().last_error, "worker exited unexpectedly: exit code 5");
}

TEST_F(SupervisorTest, RestartIsOneRequestAndGivesANewWorker) {
  Supervisor& sup = make();
  ASSERT_TRUE(sup.start("test").ok());
  const pid_t first = *sup.snapshot().pid;
  const Outcome o = sup.restart("test");
  ASSERT_TRUE(o.ok()) << o.message;
  const auto w = sup.snapshot();
  EXPECT_EQ(w.state, WorkerState::Running);
  EXPECT_NE(*w.pid, first);
  EXPECT_EQ(w.crash_count, 0u);
  EXPECT_EQ(w.restart_count, 0u);  // only crash restarts count there
  EXPECT_TRUE(test::dead(first));
}

TEST_F(SupervisorTest, ConcurrentRequestsNeverMakeTwoWorkers) {
  Supervisor& sup = make();
  std::atomic<bool> done{false};
  std::atomic<int> max_alive{0};
  std::thread monitor([&] {
    while (!done) {
      const int n = static_cast<int>(processes_with(marker_).size());
      int prev = max_alive.load();
      while (n > prev && !max_alive.compare_exchange_weak(prev, n)) {
      }
      std::this_thread::sleep_for(2ms);
    }
  });
  std::vector<std::thread> threads;
  std::atomic<int> go{0};
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&, i] {
      std::mt19937 rng(static_cast<unsigned>(i));
      go.fetch_add(1);
      while (go.load() < 100) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
      switch (rng() % 3) {
        case 0: sup.start("storm"); break;
        case 1: sup.stop("storm"); break;
        default: sup.restart("storm"); break;
      }
    });
  }
  for (auto& t : threads) t.join();

  // The last request decides the final state.
  for (const bool want_running : {false, true, false}) {
    const Outcome o = want_running ? sup.restart("last") : sup.stop("last");
    ASSERT_TRUE(o.ok()) << o.message;
    EXPECT_EQ(state(), want_running ? WorkerState::Running : WorkerState::Stopped);
    EXPECT_EQ(processes_with(marker_).size(), want_running ? 1u : 0u);
  }
  done = true;
  monitor.join();
  EXPECT_LE(max_alive.load(), 1);
  EXPECT_TRUE(zombie_children().empty());
  const auto c = sup.counters();
  EXPECT_EQ(std::accumulate(c.crashes.begin(), c.crashes.end(), uint64_t{0}), 0u);
  std::printf("storm: %llu spawns for 100 concurrent requests\n", static_cast<unsigned long long>(c.spawns_total));
}

TEST_F(SupervisorTest, SameRequestsShareOneOutcome) {
  worker_args({"--ready-delay-ms", "300"});
  Supervisor& sup = make();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] { ok += sup.start("same").ok() ? 1 : 0; });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(sup.counters().spawns_total, 1u);
}

TEST_F(SupervisorTest, MemoryPressureStopsAndRecoveryResumes) {
  Supervisor& sup = make();
  ASSERT_TRUE(sup.start("test").ok());
  const pid_t first = *sup.snapshot().pid;
  set_memory(false);
  ASSERT_TRUE(wait_until([&] { return in_state(WorkerState::Stopped); }));
  EXPECT_EQ(sup.counters().pressure_stops_total, 1u);
  EXPECT_EQ(sup.snapshot().last_exit, "exit code 0");  // the graceful sequence
  EXPECT_EQ(sup.snapshot().crash_count, 0u);
  EXPECT_TRUE(test::dead(first));

  const auto t = Clock::now();
  const Outcome o = sup.start("test");
  EXPECT_LT(Clock::now() - t, 500ms);
  EXPECT_EQ(o.code, Outcome::Code::GateClosed);
  EXPECT_EQ(o.message.rfind("worker start blocked by pressure gate: ", 0), 0u) << o.message;
  EXPECT_GT(o.message.size(), std::string("worker start blocked by pressure gate: ").size());
  ASSERT_TRUE(o.retry_after);
  EXPECT_GE(o.retry_after->count(), 1);

  set_memory(true);
  ASSERT_TRUE(wait_until([&] { return in_state(WorkerState::Running); }));
  EXPECT_EQ(sup.counters().pressure_resumes_total, 1u);
  EXPECT_NE(*sup.snapshot().pid, first);
}

TEST_F(SupervisorTest, AutoStartWaitsForTheGateAndStopClearsIt) {
  set_memory(false);
  config_.worker.auto_start = true;
  Supervisor& sup = make();
  EXPECT_EQ(sup.start("test").code, Outcome::Code::GateClosed);
  EXPECT_EQ(state(), WorkerState::Stopped);
  set_memory(true);
  ASSERT_TRUE(wait_until([&] { return in_state(WorkerState::Running); }));

  // A stop means "not wanted": a later close/reopen does not bring it back.
  ASSERT_TRUE(sup.stop("test").ok());
  set_memory(false);
  ASSERT_TRUE(wait_until([&] { return !gate_->allowed(); }));
  set_memory(true);
  ASSERT_TRUE(wait_until([&] { return gate_->allowed(); }));
  std::this_thread::sleep_for(200ms);  // give a wrong resume the chance to happen
  EXPECT_EQ(state(), WorkerState::Stopped);
}

TEST_F(SupervisorTest, ShutdownStopsGracefullyAndIsNotACrash) {
  Supervisor& sup = make();
  ASSERT_TRUE(sup.start("test").ok());
  const pid_t pid = *sup.snapshot().pid;
  sup.shutdown();
  EXPECT_TRUE(test::dead(pid));
  const auto w = sup.snapshot();
  EXPECT_EQ(w.state, WorkerState::Stopped);
  EXPECT_EQ(w.last_exit, "exit code 0");
  EXPECT_EQ(w.crash_count, 0u);
  EXPECT_EQ(sup.counters().forced_kills_total, 0u);
  EXPECT_EQ(sup.start("late").code, Outcome::Code::Failed);
  sup.shutdown();  // idempotent
}

}  // namespace
}  // namespace vs
