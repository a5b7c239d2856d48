// Fakes for driving the Supervisor's whole lifecycle without processes or real time:
// FakeClock (moved by hand; wakes the actor when moved) and FakeLauncher (records every spawn;
// the test delivers ready lines and pongs through the spawn's hook, and its FakeWorker exits on
// the shutdown line / SIGTERM / SIGKILL unless told to ignore them).
#pragma once

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "supervision/child_process.h"
#include "supervision/clock.h"
#include "supervision/process_launcher.h"

namespace vs::test {

class FakeClock final : public Clock {
 public:
  SteadyTime steady() const override {
    std::lock_guard lock(mu_);
    return steady_;
  }
  WallTime wall() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  int sleep_before(SteadyTime) const override { return -1; }  // until advance() wakes it
  void on_advance(std::function<void()> wake) override {
    std::lock_guard lock(mu_);
    wakes_.push_back(std::move(wake));
  }

  void advance(std::chrono::milliseconds d) {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard lock(mu_);
      steady_ += d;
      wall_ += d;
      wakes = wakes_;
    }
    for (auto& w : wakes) w();
  }

 private:
  mutable std::mutex mu_;
  SteadyTime steady_{std::chrono::hours(1000)};
  WallTime wall_{std::chrono::hours(500000)};
  std::vector<std::function<void()>> wakes_;
};

// One fake worker: what the actor did to it, and its exit. Shared by the test and the actor.
class FakeWorker {
 public:
  FakeWorker(uint64_t generation, pid_t pid, ProcessLauncher::MessageHook hook)
      : generation(generation), pid(pid), hook_(std::move(hook)), exit_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

  const uint64_t generation;
  const pid_t pid;
  std::atomic<bool> ignores_shutdown{false}, ignores_term{false}, ignores_kill{false}, feeding_recording{false};

  // The worker's own lines, as its reader thread would hand them on.
  void ready() { say({{"type", "ready"}, {"engine", "fake"}, {"model", "m" + std::to_string(generation)}}); }
  void pong(const std::string& id) { say({{"type", "pong"}, {"id", id}}); }

  void exit(ExitStatus status) {
    {
      std::lock_guard lock(mu_);
      if (status_) return;
      status_ = status;
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(exit_fd_.get(), &one, sizeof one);
  }

  std::vector<int> signals() const { std::lock_guard lock(mu_); return signals_; }
  std::vector<std::string> pings() const { std::lock_guard lock(mu_); return pings_; }
  bool shutdown_sent() const { std::lock_guard lock(mu_); return shutdown_sent_; }
  bool exited() const { std::lock_guard lock(mu_); return status_.has_value(); }

  // ---- what the actor calls (through FakeProcess) ----
  int exit_fd() const { return exit_fd_.get(); }
  std::optional<ExitStatus> status() const { std::lock_guard lock(mu_); return status_; }
  void on_ping(const std::string& id) { std::lock_guard lock(mu_); pings_.push_back(id); }
  void on_shutdown() {
    { std::lock_guard lock(mu_); shutdown_sent_ = true; }
    if (!ignores_shutdown) exit({false, 0});
  }
  void on_signal(int sig) {
    { std::lock_guard lock(mu_); signals_.push_back(sig); }
    if ((sig == SIGKILL && !ignores_kill) || (sig == SIGTERM && !ignores_term)) exit({true, sig});
  }

 private:
  void say(nlohmann::json body) {
    WorkerMessage m;
    m.type = *worker_message_type(body.at("type").get<std::string>());
    m.body = std::make_shared<const nlohmann::json>(std::move(body));
    hook_(generation, m);
  }

  ProcessLauncher::MessageHook hook_;
  UniqueFd exit_fd_;
  mutable std::mutex mu_;
  std::optional<ExitStatus> status_;
  std::vector<int> signals_;
  std::vector<std::string> pings_;
  bool shutdown_sent_ = false;
};

class FakeProcess final : public WorkerProcess {
 public:
  explicit FakeProcess(std::shared_ptr<FakeWorker> w) : w_(std::move(w)) {}
  pid_t pid() const override { return w_->pid; }
  int exit_fd() const override { return w_->exit_fd(); }
  bool has_exited() const override { return w_->exited(); }
  std::optional<ExitStatus> reap() override { return w_->status(); }
  void send_ping(const std::string& id) override { w_->on_ping(id); }
  void send_shutdown() override { w_->on_shutdown(); }
  void signal_group(int sig) override { w_->on_signal(sig); }
  bool feeding_recording() const override { return w_->feeding_recording; }
  std::shared_ptr<const WorkerLink> link() const override { return link_; }
  std::shared_ptr<Sidecar> sidecar() const override { return nullptr; }

 private:
  std::shared_ptr<FakeWorker> w_;
  std::shared_ptr<const WorkerLink> link_ = std::make_shared<WorkerLink>();
};

// What a FakeLauncher did; the test keeps it while the Supervisor owns the launcher.
class Spawns {
 public:
  size_t count() const { std::lock_guard lock(mu_); return workers_.size(); }
  std::shared_ptr<FakeWorker> at(size_t i) const { std::lock_guard lock(mu_); return workers_.at(i); }
  std::shared_ptr<FakeWorker> last() const { std::lock_guard lock(mu_); return workers_.back(); }
  // The next launch throws this (a missing binary).
  void fail_next(std::string message) { std::lock_guard lock(mu_); fail_next_ = std::move(message); }
  // Applied to every worker launched from now on.
  void configure(std::function<void(FakeWorker&)> f) { std::lock_guard lock(mu_); configure_ = std::move(f); }

  std::unique_ptr<WorkerProcess> launch(uint64_t generation, ProcessLauncher::MessageHook hook) {
    std::lock_guard lock(mu_);
    if (fail_next_) {
      const std::string message = *std::exchange(fail_next_, std::nullopt);
      throw SpawnError(message);
    }
    auto w = std::make_shared<FakeWorker>(generation, static_cast<pid_t>(1000 + workers_.size()), std::move(hook));
    if (configure_) configure_(*w);
    workers_.push_back(w);
    return std::make_unique<FakeProcess>(w);
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<FakeWorker>> workers_;
  std::optional<std::string> fail_next_;
  std::function<void(FakeWorker&)> configure_;
};

class FakeLauncher final : public ProcessLauncher {
 public:
  explicit FakeLauncher(std::shared_ptr<Spawns> spawns) : spawns_(std::move(spawns)) {}
  std::unique_ptr<WorkerProcess> launch(uint64_t generation, MessageHook hook) override {
    return spawns_->launch(generation, std::move(hook));
  }

 private:
  std::shared_ptr<Spawns> spawns_;
};

}  // namespace vs::test
