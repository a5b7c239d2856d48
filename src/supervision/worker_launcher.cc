#include "supervision/worker_launcher.h"

#include "config/load_config.h"
#include "supervision/stt_environment.h"
#include "supervision/worker_environment.h"
#include "supervision/worker_instance.h"

namespace vs {

WorkerLauncher::WorkerLauncher(const Config& config, EventBus& bus)
    : config_(config),
      options_{.sink_queue_frames = static_cast<size_t>(config.ipc.sink_queue_frames),
               .pipe_bytes = static_cast<size_t>(config.ipc.pipe_bytes),
               .max_line_bytes = static_cast<size_t>(config.ipc.max_line_bytes),
               .event_buffer = static_cast<size_t>(config.ipc.event_buffer),
               .event_buffer_bytes = static_cast<size_t>(config.ipc.event_buffer_bytes)},
      bus_(bus) {}

std::unique_ptr<WorkerProcess> WorkerLauncher::launch(uint64_t generation, MessageHook hook) {
  // Resolved per launch, inside the actor's try: a bad command is a failed spawn, not a throw here.
  const SpawnSpec spec{effective_worker_command(config_), config_.worker.working_dir,
                       with_stt_environment(config_.stt, config_.worker.env),
                       withheld_variables(environment_map(), config_.auth.token)};
  return WorkerInstance::launch(spec, options_, bus_, generation, std::move(hook));
}

}  // namespace vs
