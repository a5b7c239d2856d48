// ConfigReloader is what SIGHUP does to the configuration: read it again from the sources the
// daemon started with (the same file, environment and flags), log every key that changed, and
// apply the reloadable ones (config/reload.h: the log level here, the gate's thresholds, the
// backoff and the stt.* keys through the appliers). A configuration that does not load is logged and changes
// nothing; a changed key that needs a restart is logged as such and keeps its running value.
//
//   ConfigReloader reloader(sources, loaded.config, {.gate_thresholds = ..., .backoff = ...});
//   on SIGHUP:  reloader.reload();
#pragma once

#include <functional>

#include "config/config.h"
#include "config/load_config.h"

namespace vs {

class ConfigReloader {
 public:
  struct Appliers {
    std::function<void(const PressureConfig&)> gate_thresholds;
    std::function<void(const BackoffConfig&)> backoff;
    std::function<void(const SttConfig&)> stt;  // for the next worker start
  };

  enum class Result { Applied, Unchanged, Error };

  ConfigReloader(ConfigSources sources, Config running, Appliers apply);

  Result reload();

  // What the daemon runs with: the started configuration with the reloads applied.
  const Config& running() const { return running_; }

 private:
  ConfigSources sources_;
  Config running_;
  Appliers apply_;
};

}  // namespace vs
