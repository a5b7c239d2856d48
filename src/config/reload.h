// What a running daemon can take from a re-read configuration (SIGHUP), and what a re-read
// changed. The reloadable keys are the ones that only tune a running policy: the log level, the
// gate's thresholds (applied at its next sample), the crash backoff (applied at the next
// crash) and the stt.* keys (applied at the next worker start: a model is loaded once). Everything else (addresses, the token, the worker's command and timers, buffer sizes,
// the gate's sampling period and roots) is built into running objects: a change needs a restart,
// and the daemon keeps running with the value it started with.
//
//   LoadedConfig fresh = load_config(sources);                 // throws ConfigError: apply nothing
//   for (const ConfigChange& c : config_changes(running, fresh.config)) log(c);
//   running = with_reloaded(running, fresh.config);            // then apply those keys
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace vs {

// The dotted keys SIGHUP applies, sorted.
const std::vector<std::string>& reloadable_keys();
bool is_reloadable(std::string_view key);
// The reloadable keys a running worker keeps: the next one it starts takes them (stt.*).
bool applies_at_worker_start(std::string_view key);

struct ConfigChange {
  std::string key;
  std::string before, after;  // as check-config shows them (the token only as <set>)
  bool reloadable = false;
};

// Every key whose value differs between the two, in key order.
std::vector<ConfigChange> config_changes(const Config& before, const Config& after);

// `running` with the reloadable keys taken from `fresh`, the others kept.
Config with_reloaded(const Config& running, const Config& fresh);

}  // namespace vs
