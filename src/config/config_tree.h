// ConfigNode is a configuration value before it has a type: what the YAML and JSON readers both
// produce, so that one walker (file_source.cc) checks either against the key table. Env variables
// and flags become a single text node.
//
//   ConfigNode root = parse_yaml_tree(text, path);   // or parse_json_tree(text, path)
//   for (const auto& [name, child] : root.entries) ...
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vs::config_detail {

struct ConfigNode {
  // Declared here, defaulted below: clang instantiates them where they are declared, and inside
  // the class the pair in `entries` would hold a type not yet complete.
  ConfigNode();
  ConfigNode(const ConfigNode&);
  ConfigNode(ConfigNode&&) noexcept;
  ConfigNode& operator=(const ConfigNode&);
  ConfigNode& operator=(ConfigNode&&) noexcept;
  ~ConfigNode();

  enum class Kind { kNull, kText, kList, kMap };
  Kind kind = Kind::kNull;
  std::string text;                                        // kText: as written, unquoted
  std::vector<ConfigNode> items;                           // kList
  std::vector<std::pair<std::string, ConfigNode>> entries;  // kMap, in file order, repeats kept
  int line = 0;  // 1-based line of the value's key (of the value itself in a list); 0 = unknown

  static ConfigNode of_text(std::string t);
};

inline ConfigNode::ConfigNode() = default;
inline ConfigNode::ConfigNode(const ConfigNode&) = default;
inline ConfigNode::ConfigNode(ConfigNode&&) noexcept = default;
inline ConfigNode& ConfigNode::operator=(const ConfigNode&) = default;
inline ConfigNode& ConfigNode::operator=(ConfigNode&&) noexcept = default;
inline ConfigNode::~ConfigNode() = default;

inline ConfigNode ConfigNode::of_text(std::string t) {
  ConfigNode n;
  n.kind = Kind::kText;
  n.text = std::move(t);
  return n;
}

// Limits on what a file may hold, so a hostile file is an error rather than a crash.
inline constexpr size_t kMaxConfigFileBytes = 1 << 20;
inline constexpr int kMaxConfigDepth = 32;  // the keys need 3 levels (section.key.map)
// Every key in the table is a few hundred values at most; a tree this big came from aliases.
inline constexpr size_t kMaxConfigValues = 100000;

// "a list", "a map", "nothing" or the quoted text, for "got ..." in messages.
std::string describe_node(const ConfigNode& node);

// Parse one document into a tree. Throw ConfigError naming `path` and the line for a syntax
// error, a second YAML document, nesting deeper than kMaxConfigDepth, YAML aliases expanding
// past kMaxConfigFileBytes or kMaxConfigValues values, or a JSON number that does not fit a double (that one names the key).
ConfigNode parse_yaml_tree(const std::string& text, const std::string& path);
ConfigNode parse_json_tree(const std::string& text, const std::string& path);

}  // namespace vs::config_detail
