#include "config/reload.h"

#include <algorithm>

#include "config/config_keys.h"

namespace vs {

const std::vector<std::string>& reloadable_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = {
        "log.level",
        "pressure.min_available_memory_mb", "pressure.max_memory_percent",
        "pressure.max_cpu_percent",         "pressure.max_psi_some_avg10",
        "backoff.initial_ms",               "backoff.max_ms",
        "backoff.multiplier",               "backoff.jitter",
        "backoff.stable_after_ms",          "backoff.max_restarts",
        "backoff.restart_window_ms",
    };
    for (const config_detail::KeyDef& def : config_detail::config_keys()) {
      if (applies_at_worker_start(def.key)) k.push_back(def.key);
    }
    std::sort(k.begin(), k.end());
    return k;
  }();
  return keys;
}

bool applies_at_worker_start(std::string_view key) { return key.starts_with("stt."); }

bool is_reloadable(std::string_view key) {
  const auto& keys = reloadable_keys();
  return std::binary_search(keys.begin(), keys.end(), key);
}

std::vector<ConfigChange> config_changes(const Config& before, const Config& after) {
  std::vector<ConfigChange> out;
  for (const config_detail::KeyDef& def : config_detail::config_keys()) {
    std::string was = config_detail::display_value(def, before), now = config_detail::display_value(def, after);
    // The token shows only as set or not: a changed token that stays set is still a change.
    const bool differs = def.key == "auth.token" ? before.auth.token != after.auth.token : was != now;
    if (differs) out.push_back({def.key, std::move(was), std::move(now), is_reloadable(def.key)});
  }
  return out;
}

Config with_reloaded(const Config& running, const Config& fresh) {
  Config out = running;
  out.log.level = fresh.log.level;
  out.pressure.min_available_memory_mb = fresh.pressure.min_available_memory_mb;
  out.pressure.max_memory_percent = fresh.pressure.max_memory_percent;
  out.pressure.max_cpu_percent = fresh.pressure.max_cpu_percent;
  out.pressure.max_psi_some_avg10 = fresh.pressure.max_psi_some_avg10;
  out.backoff = fresh.backoff;
  out.stt = fresh.stt;
  return out;
}

}  // namespace vs
