// The layer merge: defaults < file < env < flags, each setting converted by its field's type and
// its origin recorded, then one validation of the result.
#include "config/load_config.h"

#include "common/version.h"
#include "config/sources.h"
#include "config/value_parsers.h"

namespace vs::config_detail {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

[[noreturn]] void bad_value(const Setting& s, const std::string& got) {
  throw ConfigError(s.def->key,
                    "expected " + expected_type(s.def->field) + ", got " + got + " (from " +
                        s.where + ")");
}

std::vector<std::string> to_list(const Setting& s) {
  if (s.value.kind == RawValue::Kind::kList) return s.value.list;
  if (!s.value.from_text) bad_value(s, json_quoted(s.value.scalar));
  try {
    return split_command_line(s.value.scalar);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(s.def->key, std::string("expected a command line, got ") +
                                      json_quoted(s.value.scalar) + ": " + e.what() + " (from " +
                                      s.where + ")");
  }
}

const std::string& scalar(const Setting& s) {
  if (s.value.kind != RawValue::Kind::kScalar) {
    bad_value(s, s.value.kind == RawValue::Kind::kList ? "a list" : "a map");
  }
  return s.value.scalar;
}

}  // namespace

void apply_setting(const Setting& s, Config& config, Origins& origins) {
  std::visit(
      Overloaded{
          [&](bool& (*f)(Config&)) {
            auto v = parse_bool(scalar(s));
            if (!v) bad_value(s, json_quoted(s.value.scalar));
            f(config) = *v;
          },
          [&](int& (*f)(Config&)) {
            auto v = parse_int(scalar(s));
            if (!v) bad_value(s, json_quoted(s.value.scalar));
            f(config) = *v;
          },
          [&](unsigned& (*f)(Config&)) {
            auto v = parse_mode(scalar(s));
            if (!v) bad_value(s, json_quoted(s.value.scalar));
            f(config) = *v;
          },
          [&](double& (*f)(Config&)) {
            auto v = parse_double(scalar(s));
            if (!v) bad_value(s, json_quoted(s.value.scalar));
            f(config) = *v;
          },
          [&](std::string& (*f)(Config&)) { f(config) = scalar(s); },
          [&](std::vector<std::string>& (*f)(Config&)) { f(config) = to_list(s); },
          [&](std::map<std::string, std::string>& (*f)(Config&)) {
            if (s.value.kind == RawValue::Kind::kMap) {
              f(config) = s.value.map;
              return;
            }
            // From a flag: one NAME=VALUE added to what the lower layers gave.
            const std::string& text = scalar(s);
            const size_t eq = text.find('=');
            if (!s.value.from_text || eq == std::string::npos || eq == 0) {
              throw ConfigError(s.def->key, "expected NAME=VALUE, got " + json_quoted(text) +
                                                " (from " + s.where + ")");
            }
            f(config)[text.substr(0, eq)] = text.substr(eq + 1);
          },
      },
      s.def->field);
  origins[s.def->key] = s.origin;
}

namespace {

// Within one file or one environment, a key given twice under different names (an alias and its
// canonical name) must agree; otherwise which one wins would be an accident of ordering.
void apply_layer(const std::vector<Setting>& settings, Config& config, Origins& origins) {
  std::map<const KeyDef*, const Setting*> seen;
  for (const Setting& s : settings) {
    if (auto [it, inserted] = seen.emplace(s.def, &s); !inserted) {
      const Setting& first = *it->second;
      const bool same = first.value.kind == s.value.kind && first.value.scalar == s.value.scalar &&
                        first.value.list == s.value.list && first.value.map == s.value.map;
      if (!same) {
        const std::string why =
            first.name == s.name
                ? "is given twice with different values"
                : "contradicts " + first.name + " (both mean " + s.def->key + ")";
        throw ConfigError(s.name, why + " (from " + s.where + ")");
      }
    }
    apply_setting(s, config, origins);
  }
}

}  // namespace
}  // namespace vs::config_detail

namespace vs {

LoadedConfig load_config(const ConfigSources& sources) {
  using namespace config_detail;
  LoadedConfig out;
  for (const KeyDef& k : config_keys()) out.origins[k.key] = "default";

  if (sources.file) {
    apply_layer(read_config_file(*sources.file), out.config, out.origins);
  }
  apply_layer(read_env(sources.env, out.config.listen.network), out.config, out.origins);

  for (const auto& [given, value] : sources.flags) {
    const std::string name = given.starts_with("--") ? given.substr(2) : given;
    const KeyDef* def = find_key(name);
    if (def == nullptr) {
      throw ConfigError("--" + name, "unknown configuration key");
    }
    Setting s;
    s.def = def;
    s.name = "--" + name;
    s.value.scalar = value;
    s.value.from_text = true;
    s.origin = "flag --" + name;
    s.where = s.origin;
    apply_setting(s, out.config, out.origins);  // a flag given twice: the last one wins
  }

  // Spelling is forgiven ("TCP", "Info") so the rest of the daemon can compare with ==.
  out.config.listen.network = to_lower(out.config.listen.network);
  out.config.log.level = to_lower(out.config.log.level);
  validate(out.config, out.origins);
  return out;
}

std::vector<std::string> effective_worker_command(const Config& config) {
  if (!config.worker.command.empty()) return config.worker.command;
  return {kVenvPython, "-m", "voice_worker"};
}

}  // namespace vs
