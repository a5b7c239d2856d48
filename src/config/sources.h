// The internal pieces of load_config(). Each layer is reduced to one shape: a list of Settings,
// each a key from the table, the name the user wrote, a value not yet converted, and where it
// came from. The file reader (YAML or JSON, walked once) and the env reader produce them;
// apply_setting() converts and stores one; validate() checks the merged result.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/config_keys.h"
#include "config/config_tree.h"

namespace vs::config_detail {

struct Setting {
  const KeyDef* def = nullptr;  // resolved key (canonical or alias)
  std::string name;             // as written: dotted key, alias, env name or --flag
  ConfigNode value;
  bool from_text = false;       // one string from env or a flag (see Field::store)
  std::string origin;           // for LoadedConfig::origins: "file <path>", "env <NAME>", ...
  std::string where;            // for messages: origin plus e.g. ", line 3"
};

// One string from env or a flag.
Setting text_setting(const KeyDef& def, std::string name, std::string text, std::string origin);

// Reads a YAML file, or JSON when the name ends in ".json". Throws ConfigError naming the path
// (with the line) when it cannot be read or parsed, is not a regular file or is too large, or
// the dotted key when a key is unknown or a section has the wrong shape.
std::vector<Setting> read_config_file(const std::string& path);

// The JARVIS_VOICE_SIDECAR_* settings of `env`, given the network the lower layers chose (the
// supervisor's SOCKET only means something for unix). Throws ConfigError on an unknown name or a
// contradiction.
std::vector<Setting> read_env(const std::map<std::string, std::string>& env,
                              const std::string& network_so_far);

// Converts and stores one setting. Throws ConfigError naming the canonical dotted key.
void apply_setting(const Setting& setting, Config& config, Origins& origins);

// Range and cross-field checks on the merged result. Throws ConfigError.
void validate(const Config& config, const Origins& origins);

}  // namespace vs::config_detail
