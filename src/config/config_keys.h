// The table of configuration keys: the single place that knows, for every field of Config, its
// dotted YAML name, its JARVIS_VOICE_SIDECAR_* env name, the older names it also answers to
// (the reference control plane's), and where it lives in the struct. Loading, describing and the
// docs all walk this table, so a new field is added here once.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"

namespace vs::config_detail {

inline constexpr std::string_view kEnvPrefix = "JARVIS_VOICE_SIDECAR_";

// A field of Config, reached through a captureless accessor; the alternative says its type.
using Field = std::variant<bool& (*)(Config&), int& (*)(Config&), unsigned& (*)(Config&),
                           double& (*)(Config&), std::string& (*)(Config&),
                           std::vector<std::string>& (*)(Config&),
                           std::map<std::string, std::string>& (*)(Config&)>;

struct KeyDef {
  std::string key;                       // canonical dotted name, e.g. "listen.address"
  std::string env;                       // full env name, empty when there is none
  std::vector<std::string> key_aliases;  // other dotted names with the same meaning
  std::vector<std::string> env_aliases;  // other env names with the same meaning
  Field field;
  std::string help;                      // one line for docs
};

// Every key, sorted by dotted name.
const std::vector<KeyDef>& config_keys();

// The key for a dotted name or one of its aliases; nullptr when unknown.
const KeyDef* find_key(std::string_view dotted);
// The key for a full env name or one of its env aliases; nullptr when unknown.
const KeyDef* find_env_key(std::string_view env_name);
// True when `dotted` is a section holding keys ("worker", "listen"), not a key itself.
bool is_section(std::string_view dotted);

// The supervisor's names for the listen address, mapped by env_source.cc.
inline constexpr std::string_view kEnvTransport = "JARVIS_VOICE_SIDECAR_TRANSPORT";
inline constexpr std::string_view kEnvBaseUrl = "JARVIS_VOICE_SIDECAR_BASE_URL";
inline constexpr std::string_view kEnvSocket = "JARVIS_VOICE_SIDECAR_SOCKET";
// Names only the supervisor reads (about the sidecar process, or in seconds for its own HTTP
// client); they share the prefix because one environment configures both sides.
const std::vector<std::string>& supervisor_only_env_names();

// A short text type name for messages ("a boolean", "an integer", ...).
std::string expected_type(const Field& field);

}  // namespace vs::config_detail
