// The config file layer: YAML through yaml-cpp, ".json" through nlohmann-json. Both are walked
// against the key table so that an unknown key is reported with its full dotted path.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "config/load_config.h"
#include "config/sources.h"
#include "config/value_parsers.h"

namespace vs::config_detail {
namespace {

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::string shape_error(const KeyDef& def, const std::string& got) {
  return "expected " + expected_type(def.field) + ", got " + got;
}

// ---- YAML ----

std::string yaml_line(const YAML::Node& node) {
  return node.Mark().is_null() ? "" : ", line " + std::to_string(node.Mark().line + 1);
}

std::string yaml_shape(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Null: return "nothing";
    default: return json_quoted(node.Scalar());
  }
}

RawValue yaml_value(const KeyDef& def, const std::string& dotted, const YAML::Node& node,
                    const std::string& where) {
  RawValue v;
  auto fail = [&](const std::string& got) {
    throw ConfigError(dotted, shape_error(def, got) + " (from " + where + ")");
  };
  if (std::holds_alternative<std::vector<std::string>& (*)(Config&)>(def.field)) {
    v.kind = RawValue::Kind::kList;
    if (node.IsNull()) return v;
    if (!node.IsSequence()) fail(yaml_shape(node));
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) fail("a list holding " + yaml_shape(item));
      v.list.push_back(item.Scalar());
    }
  } else if (std::holds_alternative<std::map<std::string, std::string>& (*)(Config&)>(
                 def.field)) {
    v.kind = RawValue::Kind::kMap;
    if (node.IsNull()) return v;
    if (!node.IsMap()) fail(yaml_shape(node));
    for (const auto& kv : node) {
      if (!kv.first.IsScalar() || !(kv.second.IsScalar() || kv.second.IsNull())) {
        fail("a map holding " + yaml_shape(kv.second));
      }
      v.map[kv.first.Scalar()] = kv.second.IsNull() ? "" : kv.second.Scalar();
    }
  } else {
    // An empty value ("token:") is the empty text; a number field then reports `got ""`.
    if (!node.IsScalar() && !node.IsNull()) fail(yaml_shape(node));
    v.scalar = node.IsNull() ? "" : node.Scalar();
  }
  return v;
}

void walk_yaml(const YAML::Node& map, const std::string& prefix, const std::string& path,
               std::vector<Setting>& out) {
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) {
      throw ConfigError(path, "expected text keys" + yaml_line(kv.first));
    }
    const std::string dotted = join(prefix, kv.first.Scalar());
    const std::string where = "file " + path + yaml_line(kv.first);
    if (const KeyDef* def = find_key(dotted)) {
      out.push_back({def, dotted, yaml_value(*def, dotted, kv.second, where), "file " + path,
                     where});
    } else if (is_section(dotted)) {
      if (kv.second.IsNull()) continue;  // "worker:" with nothing under it
      if (!kv.second.IsMap()) {
        throw ConfigError(dotted, "expected a section (a map of keys), got " +
                                      yaml_shape(kv.second) + " (from " + where + ")");
      }
      walk_yaml(kv.second, dotted, path, out);
    } else {
      throw ConfigError(dotted, "unknown configuration key (from " + where + ")");
    }
  }
}

std::vector<Setting> read_yaml(const std::string& path, const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(path, "cannot parse YAML at line " + std::to_string(e.mark.line + 1) +
                                ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path, std::string("cannot parse YAML: ") + e.what());
  }
  std::vector<Setting> out;
  if (root.IsNull()) return out;  // an empty file configures nothing
  if (!root.IsMap()) {
    throw ConfigError(path, "expected a map of configuration keys at the top, got " +
                                yaml_shape(root) + yaml_line(root));
  }
  walk_yaml(root, "", path, out);
  return out;
}

// ---- JSON ----

std::string json_shape(const nlohmann::json& j) {
  if (j.is_array()) return "a list";
  if (j.is_object()) return "a map";
  if (j.is_null()) return "null";
  return j.dump();
}

// A JSON scalar as the text YAML would have given: strings unquoted, numbers and bools as written.
std::optional<std::string> json_text(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number() || j.is_boolean()) return j.dump();
  if (j.is_null()) return std::string();
  return std::nullopt;
}

RawValue json_value(const KeyDef& def, const std::string& dotted, const nlohmann::json& j,
                    const std::string& where) {
  RawValue v;
  auto fail = [&](const std::string& got) {
    throw ConfigError(dotted, shape_error(def, got) + " (from " + where + ")");
  };
  if (std::holds_alternative<std::vector<std::string>& (*)(Config&)>(def.field)) {
    v.kind = RawValue::Kind::kList;
    if (j.is_null()) return v;
    if (!j.is_array()) fail(json_shape(j));
    for (const auto& item : j) {
      if (!item.is_string()) fail("a list holding " + json_shape(item));
      v.list.push_back(item.get<std::string>());
    }
  } else if (std::holds_alternative<std::map<std::string, std::string>& (*)(Config&)>(
                 def.field)) {
    v.kind = RawValue::Kind::kMap;
    if (j.is_null()) return v;
    if (!j.is_object()) fail(json_shape(j));
    for (const auto& [name, item] : j.items()) {
      auto text = json_text(item);
      if (!text) fail("a map holding " + json_shape(item));
      v.map[name] = *text;
    }
  } else {
    auto text = json_text(j);
    if (!text) fail(json_shape(j));
    v.scalar = *text;
  }
  return v;
}

void walk_json(const nlohmann::json& object, const std::string& prefix, const std::string& path,
               std::vector<Setting>& out) {
  const std::string where = "file " + path;
  for (const auto& [name, value] : object.items()) {
    const std::string dotted = join(prefix, name);
    if (const KeyDef* def = find_key(dotted)) {
      out.push_back({def, dotted, json_value(*def, dotted, value, where), where, where});
    } else if (is_section(dotted)) {
      if (value.is_null()) continue;
      if (!value.is_object()) {
        throw ConfigError(dotted, "expected a section (an object of keys), got " +
                                      json_shape(value) + " (from " + where + ")");
      }
      walk_json(value, dotted, path, out);
    } else {
      throw ConfigError(dotted, "unknown configuration key (from " + where + ")");
    }
  }
}

std::vector<Setting> read_json(const std::string& path, const std::string& text) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() already says "at line L, column C".
    throw ConfigError(path, std::string("cannot parse JSON: ") + e.what());
  }
  if (!root.is_object()) {
    throw ConfigError(path, "expected a JSON object of configuration keys, got " +
                                json_shape(root));
  }
  std::vector<Setting> out;
  walk_json(root, "", path, out);
  return out;
}

bool ends_with_json(const std::string& path) {
  return to_lower(std::filesystem::path(path).extension().string()) == ".json";
}

}  // namespace

std::vector<Setting> read_config_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw ConfigError(path, "config file not found");
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigError(path, "expected a config file, got a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(path, std::string("cannot read config file: ") + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ConfigError(path, std::string("cannot read config file: ") + std::strerror(errno));
  }
  return ends_with_json(path) ? read_json(path, text.str()) : read_yaml(path, text.str());
}

}  // namespace vs::config_detail
