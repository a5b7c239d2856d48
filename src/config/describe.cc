// Human-readable views of the configuration: the effective values with their origins
// (check-config), and the key table itself (docs). The token is never printed.
#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/json_text.h"
#include "config/config_keys.h"
#include "config/load_config.h"
#include "config/value_parsers.h"

namespace vs {
namespace {

using namespace config_detail;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

std::string format_value(const KeyDef& def, Config& config) {
  if (def.key == "auth.token") {
    return config.auth.token.empty() ? "\"\"" : "<set>";
  }
  return std::visit<std::string>(
      Overloaded{
          [&](bool& (*f)(Config&)) -> std::string { return f(config) ? "true" : "false"; },
          [&](int& (*f)(Config&)) { return std::to_string(f(config)); },
          [&](unsigned& (*f)(Config&)) { return format_mode(f(config)); },
          [&](double& (*f)(Config&)) { return format_double(f(config)); },
          [&](std::string& (*f)(Config&)) { return json_quoted(f(config)); },
          [&](std::vector<std::string>& (*f)(Config&)) {
            return dump_json(f(config));
          },
          [&](std::map<std::string, std::string>& (*f)(Config&)) {
            return dump_json(f(config));
          },
      },
      def.field);
}

std::string aligned(const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string out;
  for (const auto& [left, right] : rows) {
    out += left;
    out.append(width - left.size() + 4, ' ');
    out += right;
    out += '\n';
  }
  return out;
}

}  // namespace

std::string describe_config(const LoadedConfig& loaded) {
  Config copy = loaded.config;  // the accessors hand out mutable references
  std::vector<std::pair<std::string, std::string>> rows;
  for (const KeyDef& def : config_keys()) {
    auto it = loaded.origins.find(def.key);
    const std::string origin = it == loaded.origins.end() ? "default" : it->second;
    std::string note = "(" + origin + ")";
    if (def.key == "worker.command" && copy.worker.command.empty()) {
      // An empty command means the bundled worker; show what will really run.
      std::string argv;
      for (const auto& arg : effective_worker_command(copy)) argv += (argv.empty() ? "" : " ") + arg;
      note += " runs the bundled worker: " + argv;
    }
    rows.emplace_back(def.key + " = " + format_value(def, copy), note);
  }
  return aligned(rows);
}

std::string describe_config_keys() {
  Config defaults;
  std::string out;
  for (const KeyDef& def : config_keys()) {
    out += def.key + " = " + format_value(def, defaults) + "\n";
    out += "    env: " + (def.env.empty() ? std::string("(none)") : def.env);
    for (const std::string& a : def.env_aliases) out += ", " + a;
    if (!def.key_aliases.empty()) {
      out += "; also key";
      for (const std::string& a : def.key_aliases) out += " " + a;
    }
    out += "\n    " + def.help + "\n";
  }
  out += "\nAlso read from the supervisor's environment:\n";
  out += "  " + std::string(kEnvTransport) + "  http -> listen.network tcp, unix -> unix\n";
  out += "  " + std::string(kEnvBaseUrl) +
         "  http://host:port -> listen.address (tcp only; https or a path is an error)\n";
  out += "  " + std::string(kEnvSocket) + "  -> listen.address when listen.network is unix\n";
  out += "Ignored (read by the supervisor only):";
  for (const std::string& n : supervisor_only_env_names()) out += " " + n;
  out += "\nAny other " + std::string(kEnvPrefix) + "* name is an error.\n";
  return out;
}

}  // namespace vs
