#include "daemon/config_reloader.h"

#include <spdlog/spdlog.h>

#include "config/reload.h"

namespace vs {

ConfigReloader::ConfigReloader(ConfigSources sources, Config running, Appliers apply)
    : sources_(std::move(sources)), running_(std::move(running)), apply_(std::move(apply)) {}

ConfigReloader::Result ConfigReloader::reload() {
  LoadedConfig fresh;
  try {
    fresh = load_config(sources_);
  } catch (const ConfigError& e) {
    spdlog::error("reload: configuration error, nothing changed: {}", e.what());
    return Result::Error;
  }
  const std::vector<ConfigChange> changes = config_changes(running_, fresh.config);
  const Config next = with_reloaded(running_, fresh.config);
  const auto level_before = spdlog::get_level();
  const auto level_after = spdlog::level::from_str(next.log.level);
  // The lines saying what changed are written under the more verbose of the two levels: a
  // quieter level is set after them, a more verbose one before.
  const bool quieter = level_after > level_before;
  if (!quieter) spdlog::set_level(level_after);

  size_t applied = 0;
  for (const ConfigChange& c : changes) {
    if (c.reloadable && applies_at_worker_start(c.key)) {
      spdlog::info("reload: {}: {} -> {} (the next worker start uses it; POST /v1/control/restart to apply it now)",
                   c.key, c.before, c.after);
      ++applied;
    } else if (c.reloadable) {
      spdlog::info("reload: {}: {} -> {}", c.key, c.before, c.after);
      ++applied;
    } else {
      spdlog::warn("reload: {} changed ({} -> {}) but needs a restart; it stays {} until then", c.key, c.before,
                   c.after, c.before);
    }
  }
  if (changes.empty()) spdlog::info("reload: nothing changed");

  if (apply_.gate_thresholds) apply_.gate_thresholds(next.pressure);
  if (apply_.backoff) apply_.backoff(next.backoff);
  if (apply_.stt) apply_.stt(next.stt);
  running_ = next;
  if (quieter) spdlog::set_level(level_after);
  return applied > 0 ? Result::Applied : Result::Unchanged;
}

}  // namespace vs
