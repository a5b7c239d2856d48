// Human-readable views of the configuration, both walks of the key table: the effective values
// with their origins (check-config), and the table itself (check-config --keys). The token is
// never printed.
#include <algorithm>

#include "config/config_keys.h"
#include "config/load_config.h"
#include "config/reload.h"

namespace vs {

std::string config_detail::display_value(const KeyDef& def, const Config& config) {
  if (def.key == "auth.token") return config.auth.token.empty() ? "\"\"" : "<set>";
  return def.field.show(config);
}

namespace {

using namespace config_detail;

std::string aligned(const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string out;
  for (const auto& [left, right] : rows) {
    out += left + std::string(width - left.size() + 4, ' ') + right + "\n";
  }
  return out;
}

std::string joined(const std::vector<std::string>& words, const std::string& sep) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

}  // namespace

std::string describe_config(const LoadedConfig& loaded) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const KeyDef& def : config_keys()) {
    auto it = loaded.origins.find(def.key);
    std::string note = "(" + (it == loaded.origins.end() ? std::string("default") : it->second) + ")";
    if (def.key == "worker.command" && loaded.config.worker.command.empty()) {
      // An empty command means the bundled worker; show what will really run.
      note += " runs the bundled worker: " + joined(effective_worker_command(loaded.config), " ");
    }
    rows.emplace_back(def.key + " = " + display_value(def, loaded.config), note);
  }
  return aligned(rows);
}

std::string describe_config_keys() {
  const Config defaults;
  std::string out;
  for (const KeyDef& def : config_keys()) {
    out += def.key + " = " + display_value(def, defaults) + "\n";
    std::vector<std::string> envs = def.env_aliases;
    if (!def.env.empty()) envs.insert(envs.begin(), def.env);
    out += "    env: " + (envs.empty() ? std::string("(none)") : joined(envs, ", "));
    if (!def.key_aliases.empty()) out += "; also key " + joined(def.key_aliases, " ");
    out += "\n    " + type_name(def.field.type);
    if (def.range) out += " in " + range_text(*def.range, def.field.type);
    const char* reload = applies_at_worker_start(def.key) ? "; reloaded on SIGHUP for the next worker start"
                         : is_reloadable(def.key)         ? "; reloaded on SIGHUP"
                                                          : "";
    out += ": " + def.help + reload + "\n";
  }
  out += "\nKeys marked \"reloaded on SIGHUP\" take effect on SIGHUP (systemctl reload voice-sidecar); "
         "any other key needs a restart. A running worker keeps its model: POST /v1/control/restart "
         "starts one with the reloaded stt.* keys.\n";
  out += "\nAlso read from the supervisor's environment:\n";
  out += "  " + std::string(kEnvTransport) + "  http -> listen.network tcp, unix -> unix\n";
  out += "  " + std::string(kEnvBaseUrl) +
         "  http://host:port -> listen.address (tcp only; https or a path is an error)\n";
  out += "  " + std::string(kEnvSocket) + "  -> listen.address when listen.network is unix\n";
  out += "Ignored (read by the supervisor only): " + joined(supervisor_only_env_names(), " ");
  out += "\nAny other " + std::string(kEnvPrefix) + "* name is an error.\n";
  return out;
}

}  // namespace vs
