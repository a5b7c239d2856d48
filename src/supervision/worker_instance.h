// WorkerInstance is one running worker as a single RAII unit: its ChildProcess, the Sidecar
// over its pipes, and its WorkerLink for the audio path. The Sidecar's reader thread hands
// every message straight on, in order and without a buffer that could lag: acks to the link's
// state, the message itself (on the recording's timeline) to the daemon's EventBus, and each
// one to a hook (the Supervisor's actor listens for ready and pong). Generations tell
// instances apart in the actor.
//
// Teardown is ordered: process group killed and reaped first (so its stdout ends), then the
// Sidecar released (its threads end on EOF).
// Only the thread that launched an instance may stop or destroy it (the parent-death signal is
// bound to that thread).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "events/event_bus.h"
#include "worker_pipe/sidecar.h"
#include "worker_pipe/worker_link.h"
#include "supervision/child_process.h"

namespace vs {

class WorkerInstance {
 public:
  using MessageHook = std::function<void(uint64_t generation, const WorkerMessage& message)>;

  // Spawns and attaches. Throws SpawnError.
  static std::unique_ptr<WorkerInstance> launch(const SpawnSpec& spec, const SidecarOptions& options,
                                                EventBus& daemon_bus, uint64_t generation,
                                                MessageHook hook);
  ~WorkerInstance();

  WorkerInstance(const WorkerInstance&) = delete;
  WorkerInstance& operator=(const WorkerInstance&) = delete;

  pid_t pid() const { return process_->pid(); }
  int pidfd() const { return process_->pidfd(); }
  uint64_t generation() const { return generation_; }
  bool has_exited() const { return process_->has_exited(); }
  // Shared so the audio path can keep using it during a concurrent stop (it then sees Closed).
  const std::shared_ptr<Sidecar>& sidecar() const { return link_->sidecar; }
  const std::shared_ptr<const WorkerLink>& link() const { return link_; }

  struct StopResult {
    std::optional<ExitStatus> status;  // nullopt only if even SIGKILL could not end it
    bool terminated = false;           // needed SIGTERM
    bool killed = false;               // needed SIGKILL
  };
  // The graceful sequence: shutdown line and EOF → stop_timeout → SIGTERM to the group →
  // kill_timeout → SIGKILL to the group → reap. Stragglers left in the group are killed too.
  // Without `flush` the shutdown line is skipped (SIGTERM first): the worker must not finish
  // the utterance in progress, because its audio is replayed, whole, into the next instance.
  StopResult stop(std::chrono::milliseconds stop_timeout, std::chrono::milliseconds kill_timeout,
                  bool flush = true);

  // For crashes and hangs: SIGKILL to the group (SIGTERM is not delivered to a stopped
  // process; SIGKILL is) and reap.
  std::optional<ExitStatus> kill_and_reap();

 private:
  WorkerInstance() = default;

  uint64_t generation_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::shared_ptr<const WorkerLink> link_;
};

}  // namespace vs
