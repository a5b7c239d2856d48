// WorkerInstance is one running worker as a single RAII unit: its ChildProcess, the Sidecar
// over its pipes, and a forwarder thread that republishes every worker event on the daemon's
// EventBus (so /v1/events sees them) and hands each one to a hook (the Supervisor's actor
// listens for ready and pong). Generations tell instances apart in the actor.
//
// Teardown is ordered: process group killed and reaped first (so its stdout ends), then the
// Sidecar released (its threads end on EOF), then the forwarder joined once it has drained.
// Only the thread that launched an instance may stop or destroy it (the parent-death signal is
// bound to that thread).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "ipc/event_bus.h"
#include "ipc/sidecar.h"
#include "supervision/child_process.h"

namespace vs {

class WorkerInstance {
 public:
  using EventHook = std::function<void(uint64_t generation, const Event& event)>;

  // Spawns and attaches. Throws SpawnError.
  static std::unique_ptr<WorkerInstance> launch(const SpawnSpec& spec, const SidecarOptions& options,
                                                EventBus& daemon_bus, uint64_t generation,
                                                EventHook hook);
  ~WorkerInstance();

  WorkerInstance(const WorkerInstance&) = delete;
  WorkerInstance& operator=(const WorkerInstance&) = delete;

  pid_t pid() const { return process_->pid(); }
  int pidfd() const { return process_->pidfd(); }
  uint64_t generation() const { return generation_; }
  bool has_exited() const { return process_->has_exited(); }
  // Shared so the audio path can keep using it during a concurrent stop (it then sees Closed).
  const std::shared_ptr<Sidecar>& sidecar() const { return sidecar_; }

  struct StopResult {
    std::optional<ExitStatus> status;  // nullopt only if even SIGKILL could not end it
    bool terminated = false;           // needed SIGTERM
    bool killed = false;               // needed SIGKILL
  };
  // The graceful sequence: shutdown line and EOF → stop_timeout → SIGTERM to the group →
  // kill_timeout → SIGKILL to the group → reap. Stragglers left in the group are killed too.
  StopResult stop(std::chrono::milliseconds stop_timeout, std::chrono::milliseconds kill_timeout);

  // For crashes and hangs: SIGKILL to the group (SIGTERM is not delivered to a stopped
  // process; SIGKILL is) and reap.
  std::optional<ExitStatus> kill_and_reap();

 private:
  WorkerInstance() = default;
  void forward();

  uint64_t generation_ = 0;
  EventBus* daemon_bus_ = nullptr;
  EventHook hook_;
  std::unique_ptr<ChildProcess> process_;
  std::shared_ptr<Sidecar> sidecar_;
  EventStream stream_;
  std::atomic<bool> stop_forwarding_{false};
  std::thread forwarder_;
};

}  // namespace vs
