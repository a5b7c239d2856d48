// ProcessLauncher is how the supervisor's actor makes workers, and WorkerProcess is what it holds
// of one: the handful of operations the lifecycle's actions need (send a ping or the shutdown
// line, signal the process group, reap once the exit is readable). The real launcher spawns a
// WorkerInstance; unit tests inject a fake that records spawns and lets the test deliver ready
// lines and exits, so the whole lifecycle runs without processes.
//
//   auto w = launcher.launch(generation, hook);   // throws std::exception: a failed spawn
//   poll(w->exit_fd()) ... if (w->has_exited()) status = w->reap();
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "supervision/child_process.h"
#include "worker_pipe/worker_link.h"

namespace vs {

class WorkerProcess {
 public:
  virtual ~WorkerProcess() = default;

  virtual pid_t pid() const = 0;
  // Readable once the worker has exited (a pidfd): the actor polls it with its mailbox.
  virtual int exit_fd() const = 0;
  virtual bool has_exited() const = 0;
  // After has_exited(): SIGKILLs stragglers left in the group and reaps. Does not wait.
  virtual std::optional<ExitStatus> reap() = 0;

  virtual void send_ping(const std::string& id) = 0;
  // The shutdown line, then EOF on stdin: the worker finishes the utterance and exits.
  virtual void send_shutdown() = 0;
  virtual void signal_group(int sig) = 0;

  // True while a recording feeds this worker (a restart then skips the flush: see Supervisor).
  virtual bool feeding_recording() const = 0;
  // The audio path's handle (may be null for a fake), and the Sidecar for ipc_stats (ditto).
  virtual std::shared_ptr<const WorkerLink> link() const = 0;
  virtual std::shared_ptr<Sidecar> sidecar() const = 0;
};

class ProcessLauncher {
 public:
  // Called on a reader thread for every message of instance `generation`; must not block.
  using MessageHook = std::function<void(uint64_t generation, const WorkerMessage& message)>;

  virtual ~ProcessLauncher() = default;
  // Spawns and attaches; throws (SpawnError or another std::exception) when there is no worker.
  virtual std::unique_ptr<WorkerProcess> launch(uint64_t generation, MessageHook hook) = 0;
  // Reloaded stt.* settings for the workers launched from now on (a fake may ignore them).
  virtual void set_stt(const SttConfig& stt) { (void)stt; }
};

}  // namespace vs
