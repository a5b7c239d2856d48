// The table of configuration keys: for every field of Config, its dotted YAML/JSON name, its
// JARVIS_VOICE_SIDECAR_* env name, the typed field, the allowed range, what it means, and the
// older names it also answers to (the reference control plane's). Reading the file, the env and
// the flags, validation, `check-config` and `check-config --keys` all walk this one table, so a
// new key is one new row. The defaults are Config's member initialisers (config.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/field.h"

namespace vs::config_detail {

inline constexpr std::string_view kEnvPrefix = "JARVIS_VOICE_SIDECAR_";

struct KeyDef {
  std::string key;              // canonical dotted name, e.g. "listen.address"
  std::string env;              // full env name, empty when there is none
  Field field;
  std::optional<Range> range;   // every numeric key has one
  std::string help;             // one line for --keys
  std::vector<std::string> key_aliases = {};  // other dotted names with the same meaning
  std::vector<std::string> env_aliases = {};  // other env names with the same meaning
};

// Every key, sorted by dotted name.
const std::vector<KeyDef>& config_keys();

// The key for a dotted name or one of its aliases; nullptr when unknown.
const KeyDef* find_key(std::string_view dotted);
// The key for a full env name or one of its env aliases; nullptr when unknown.
const KeyDef* find_env_key(std::string_view env_name);
// The value as check-config shows it; the token only as <set> or "" (describe.cc).
std::string display_value(const KeyDef& def, const Config& config);

// " (did you mean stt.model?)" when another key ends in the same name as the unknown `dotted`
// (worker.model, language), else "": the pointer to what works.
std::string did_you_mean(std::string_view dotted);
// True when `dotted` is a section holding keys ("worker", "listen"), not a key itself.
bool is_section(std::string_view dotted);

// The supervisor's names for the listen address, mapped by env_source.cc.
inline constexpr std::string_view kEnvTransport = "JARVIS_VOICE_SIDECAR_TRANSPORT";
inline constexpr std::string_view kEnvBaseUrl = "JARVIS_VOICE_SIDECAR_BASE_URL";
inline constexpr std::string_view kEnvSocket = "JARVIS_VOICE_SIDECAR_SOCKET";
// Names only the supervisor reads (about the sidecar process, or in seconds for its own HTTP
// client); they share the prefix because one environment configures both sides.
const std::vector<std::string>& supervisor_only_env_names();

}  // namespace vs::config_detail
