// WorkerInstance is one running worker as a single RAII unit: its ChildProcess, the Sidecar
// over its pipes, and its WorkerLink for the audio path. The Sidecar's reader thread hands
// every message straight on, in order and without a buffer that could lag: acks to the link's
// state, the message itself (on the recording's timeline) to the daemon's EventBus, and each
// one to a hook (the Supervisor's actor listens for ready and pong). Generations tell
// instances apart in the actor.
//
// Nothing here waits: the stop sequence (shutdown line → SIGTERM → SIGKILL, DESIGN.md §5) is the
// lifecycle's, step by step, with its deadlines as the actor's timers; reap() once exit_fd() is
// readable. Teardown is ordered: process group killed and reaped first (so its stdout ends),
// then the Sidecar released (its threads end on EOF). Only the thread that launched an instance
// may signal or destroy it (the parent-death signal is bound to that thread).
#pragma once

#include <memory>

#include "events/event_bus.h"
#include "supervision/child_process.h"
#include "supervision/process_launcher.h"
#include "worker_pipe/sidecar.h"
#include "worker_pipe/worker_link.h"

namespace vs {

class WorkerInstance final : public WorkerProcess {
 public:
  using MessageHook = ProcessLauncher::MessageHook;

  // Spawns and attaches. Throws SpawnError.
  static std::unique_ptr<WorkerInstance> launch(const SpawnSpec& spec, const SidecarOptions& options,
                                                EventBus& daemon_bus, uint64_t generation,
                                                MessageHook hook);
  ~WorkerInstance() override;

  WorkerInstance(const WorkerInstance&) = delete;
  WorkerInstance& operator=(const WorkerInstance&) = delete;

  pid_t pid() const override { return process_->pid(); }
  int exit_fd() const override { return process_->pidfd(); }
  bool has_exited() const override { return process_->has_exited(); }
  std::optional<ExitStatus> reap() override { return kill_and_reap(); }
  uint64_t generation() const { return generation_; }

  void send_ping(const std::string& id) override;
  void send_shutdown() override;
  void signal_group(int sig) override { process_->signal_group(sig); }

  bool feeding_recording() const override { return link_->state->feeding_recording(); }
  // Shared so the audio path can keep using it during a concurrent stop (it then sees Closed).
  std::shared_ptr<Sidecar> sidecar() const override { return link_->sidecar; }
  std::shared_ptr<const WorkerLink> link() const override { return link_; }

  // SIGKILL to the group (SIGTERM is not delivered to a stopped process; SIGKILL is) and reap.
  // Waits only if the worker is still alive.
  std::optional<ExitStatus> kill_and_reap();

 private:
  WorkerInstance() = default;

  uint64_t generation_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::shared_ptr<const WorkerLink> link_;
};

}  // namespace vs
