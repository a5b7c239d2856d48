#include "supervision/worker_instance.h"

#include <signal.h>

namespace vs {

using namespace std::chrono_literals;

std::unique_ptr<WorkerInstance> WorkerInstance::launch(const SpawnSpec& spec, const SidecarOptions& options,
                                                       EventBus& daemon_bus, uint64_t generation,
                                                       MessageHook hook) {
  auto inst = std::unique_ptr<WorkerInstance>(new WorkerInstance());
  inst->generation_ = generation;
  inst->process_ = ChildProcess::spawn(spec);
  const pid_t pid = inst->process_->pid();
  auto state = std::make_shared<WorkerLinkState>();
  // Runs on the reader thread, in the worker's order. The bus never blocks; the hook only posts.
  auto on_message = [state, &daemon_bus, generation, hook = std::move(hook)](const WorkerMessage& m) {
    if (m.type == WorkerMessageType::Ack) state->on_ack(m);
    if (m.type == WorkerMessageType::Ready) state->on_ready(m);
    daemon_bus.publish(state->on_timeline(m), m.bytes);
    if (hook) hook(generation, m);
  };
  auto link = std::make_shared<WorkerLink>();
  link->generation = generation;
  link->state = std::move(state);
  link->sidecar = std::shared_ptr<Sidecar>(
      Sidecar::attach(inst->process_->take_pipes(), pid, options, std::move(on_message)));
  inst->link_ = std::move(link);
  return inst;
}

void WorkerInstance::send_ping(const std::string& id) { sidecar()->sink().send_ping(id); }

void WorkerInstance::send_shutdown() {
  sidecar()->sink().send_shutdown();
  sidecar()->close_input();
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
  link_.reset();  // the pump may still hold it: its sends then return Closed
  process_.reset();
}

}  // namespace vs
