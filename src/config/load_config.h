// load_config() merges the configuration layers and validates the result.
//
//   ConfigSources src;
//   src.file = "/etc/voice-sidecar.yaml";           // optional; ".json" is read as JSON
//   src.env = environment_map();                      // JARVIS_VOICE_SIDECAR_* are read
//   src.flags = {{"listen.address", "127.0.0.1:0"}};  // from the command line, highest
//   LoadedConfig cfg = load_config(src);              // throws ConfigError
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace vs {

// A configuration error names the key (dotted, or the env/flag name) and what was expected.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string key, const std::string& message)
      : std::runtime_error(key + ": " + message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

struct ConfigSources {
  std::optional<std::string> file;
  std::map<std::string, std::string> env;
  // Command-line overrides as (dotted key, value text) in the order given.
  std::vector<std::pair<std::string, std::string>> flags;
};

LoadedConfig load_config(const ConfigSources& sources);

// The process environment as a map (for ConfigSources::env).
std::map<std::string, std::string> environment_map();

// The effective configuration, one "key = value    (origin)" line per key, for check-config.
std::string describe_config(const LoadedConfig& loaded);

// Every key for docs and --help: its default, env name(s), the older names it also answers to
// and what it is for, sorted by key; then the supervisor's env names and the ignored ones.
std::string describe_config_keys();

// The worker argv the config asks for: worker.command, or the bundled worker when empty.
std::vector<std::string> effective_worker_command(const Config& config);

}  // namespace vs
