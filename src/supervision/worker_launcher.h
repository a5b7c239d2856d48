// WorkerLauncher is the real ProcessLauncher: it spawns the configured worker command as a
// WorkerInstance whose messages go to the daemon's EventBus (and to the actor's hook), with the
// stt.* settings in its environment (the reloaded ones, once set_stt() was called).
//
//   WorkerLauncher launcher(config, bus);
//   auto worker = launcher.launch(generation, hook);   // throws SpawnError
#pragma once

#include "config/config.h"
#include "events/event_bus.h"
#include "supervision/process_launcher.h"
#include "worker_pipe/sidecar.h"

namespace vs {

class WorkerLauncher final : public ProcessLauncher {
 public:
  WorkerLauncher(const Config& config, EventBus& bus);
  std::unique_ptr<WorkerProcess> launch(uint64_t generation, MessageHook hook) override;
  void set_stt(const SttConfig& stt) override { config_.stt = stt; }

 private:
  Config config_;
  SidecarOptions options_;
  EventBus& bus_;
};

}  // namespace vs
