// The layer merge: defaults < file < env < flags, each setting stored through its key's typed
// field and its origin recorded, then one validation of the result.
#include "common/strings.h"
#include "config/load_config.h"

#include "common/version.h"
#include "config/sources.h"
#include "config/token_file.h"
#include "config/value_parsers.h"

namespace vs::config_detail {

void apply_setting(const Setting& s, Config& config, Origins& origins) {
  try {
    s.def->field.store(config, s.value, s.from_text);
  } catch (const BadValue& bad) {
    const Field& f = s.def->field;
    const std::string range = s.def->range ? "; allowed: " + range_text(*s.def->range, f.type) : "";
    throw ConfigError(s.def->key, "expected " + (bad.expected.empty() ? type_name(f.type) : bad.expected) +
                                      ", got " + bad.got + " (from " + s.where + ")" + range);
  }
  origins[s.def->key] = s.origin;
}

namespace {

bool same_value(const Setting& a, const Setting& b) {
  Config x, y;
  Origins ignored;
  apply_setting(a, x, ignored);
  apply_setting(b, y, ignored);
  return a.def->field.show(x) == b.def->field.show(y);
}

// Within one file or one environment a key may be given once. Under two names (an alias and its
// canonical name) both must agree; otherwise which one wins would be an accident of ordering.
void apply_layer(const std::vector<Setting>& settings, Config& config, Origins& origins) {
  std::map<const KeyDef*, const Setting*> seen;
  for (const Setting& s : settings) {
    const auto [it, first_time] = seen.emplace(s.def, &s);
    if (first_time) {
      apply_setting(s, config, origins);
      continue;
    }
    const Setting& first = *it->second;
    if (first.name == s.name) {
      throw ConfigError(s.name, "is given twice (from " + s.where + "; first from " + first.where + ")");
    }
    if (!same_value(first, s)) {
      throw ConfigError(s.name, "contradicts " + first.name + " (both mean " + s.def->key + "; from " +
                                    s.where + " and " + first.where + ")");
    }
  }
}

std::vector<Setting> flag_settings(const std::vector<std::pair<std::string, std::string>>& flags) {
  std::vector<Setting> out;
  for (const auto& [given, value] : flags) {
    const std::string name = given.starts_with("--") ? given.substr(2) : given;
    const KeyDef* def = find_key(name);
    if (def == nullptr) throw ConfigError("--" + name, "unknown configuration key" + did_you_mean(name));
    out.push_back(text_setting(*def, "--" + name, value, "flag --" + name));
  }
  return out;
}

}  // namespace
}  // namespace vs::config_detail

namespace vs {

LoadedConfig load_config(const ConfigSources& sources) {
  using namespace config_detail;
  LoadedConfig out;
  for (const KeyDef& k : config_keys()) out.origins[k.key] = "default";
  if (sources.file) apply_layer(read_config_file(*sources.file), out.config, out.origins);
  apply_layer(read_env(sources.env, out.config.listen.network), out.config, out.origins);
  for (const Setting& s : flag_settings(sources.flags)) {
    apply_setting(s, out.config, out.origins);  // a flag given twice: the last one wins
  }
  // Spelling is forgiven ("TCP", "Info") so the rest of the daemon can compare with ==.
  out.config.listen.network = to_lower(out.config.listen.network);
  out.config.log.level = to_lower(out.config.log.level);
  load_token_file(out.config, out.origins);
  validate(out.config, out.origins);
  return out;
}

std::vector<std::string> effective_worker_command(const Config& config) {
  if (!config.worker.command.empty()) return config.worker.command;
  return {kVenvPython, "-m", "voice_worker"};
}

}  // namespace vs
