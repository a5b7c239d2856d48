#include "supervision/worker_instance.h"

#include <signal.h>

#include <variant>

#include <spdlog/spdlog.h>

namespace vs {

using namespace std::chrono_literals;

std::unique_ptr<WorkerInstance> WorkerInstance::launch(const SpawnSpec& spec, const SidecarOptions& options,
                                                       EventBus& daemon_bus, uint64_t generation,
                                                       EventHook hook) {
  auto inst = std::unique_ptr<WorkerInstance>(new WorkerInstance());
  inst->generation_ = generation;
  inst->daemon_bus_ = &daemon_bus;
  inst->hook_ = std::move(hook);
  inst->process_ = ChildProcess::spawn(spec);
  const pid_t pid = inst->process_->pid();
  inst->sidecar_ = std::shared_ptr<Sidecar>(Sidecar::attach(inst->process_->take_pipes(), pid, options));
  // From the oldest retained event: a worker that writes "ready" before we get here is not missed.
  inst->stream_ = inst->sidecar_->events().subscribe_retained();
  inst->forwarder_ = std::thread([raw = inst.get()] { raw->forward(); });
  return inst;
}

void WorkerInstance::forward() {
  for (;;) {
    NextResult r = stream_.next_for(50ms);
    if (auto* ev = std::get_if<EventPtr>(&r)) {
      daemon_bus_->publish((*ev)->body);  // a new Event (the daemon bus's id) sharing the body
      if (hook_) hook_(generation_, **ev);
    } else if (auto* lag = std::get_if<Lagged>(&r)) {
      spdlog::warn("worker events: forwarder lagged, {} events missed", lag->missed);
    } else if (std::holds_alternative<Closed>(r)) {
      return;
    } else if (stop_forwarding_.load()) {
      return;  // timed out after teardown began: everything published has been forwarded
    }
  }
}

WorkerInstance::StopResult WorkerInstance::stop(std::chrono::milliseconds stop_timeout,
                                                std::chrono::milliseconds kill_timeout) {
  StopResult result;
  if (!process_->exit_status()) {
    sidecar_->sink().send_shutdown();
    sidecar_->close_input();
    if (!process_->wait_exited(stop_timeout)) {
      spdlog::info("worker pid {} ignored shutdown for {} ms: SIGTERM to its group", pid(), stop_timeout.count());
      result.terminated = true;
      process_->signal_group(SIGTERM);
      if (!process_->wait_exited(kill_timeout)) {
        spdlog::warn("worker pid {} ignored SIGTERM for {} ms: SIGKILL to its group", pid(), kill_timeout.count());
        result.killed = true;
      }
    }
  }
  result.status = kill_and_reap();
  return result;
}

std::optional<ExitStatus> WorkerInstance::kill_and_reap() {
  if (auto done = process_->exit_status()) return done;
  // Also after a voluntary exit: the leader's zombie keeps the group id ours, so this reaches
  // exactly the stragglers it left behind.
  process_->signal_group(SIGKILL);
  return process_->wait_for(10s);
}

WorkerInstance::~WorkerInstance() {
  if (process_) kill_and_reap();
  sidecar_.reset();
  stop_forwarding_ = true;
  if (forwarder_.joinable()) forwarder_.join();
  process_.reset();
}

}  // namespace vs
