// YAML text → ConfigNode through yaml-cpp. yaml-cpp shares the node an alias points to, but the
// tree copies it, so a few aliases of aliases could expand a small file without end ("billion
// laughs"); the copy is therefore limited to as many bytes as a file may hold.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "config/config_tree.h"
#include "config/load_config.h"

namespace vs::config_detail {
namespace {

int line_of(const YAML::Node& node) { return node.Mark().is_null() ? 0 : node.Mark().line + 1; }

class TreeCopy {
 public:
  explicit TreeCopy(const std::string& path) : path_(path) {}

  ConfigNode copy(const YAML::Node& y, int line, int depth) {
    if (depth > kMaxConfigDepth) fail(line, "nested deeper than " + std::to_string(kMaxConfigDepth) + " levels");
    ConfigNode n;
    n.line = line;
    if (y.IsScalar()) {
      n.kind = ConfigNode::Kind::kText;
      n.text = y.Scalar();
    } else if (y.IsSequence()) {
      n.kind = ConfigNode::Kind::kList;
      for (const YAML::Node& item : y) n.items.push_back(copy(item, line_of(item), depth + 1));
    } else if (y.IsMap()) {
      n.kind = ConfigNode::Kind::kMap;
      for (const auto& kv : y) {
        if (!kv.first.IsScalar()) fail(line_of(kv.first), "expected text keys");
        n.entries.emplace_back(kv.first.Scalar(), copy(kv.second, line_of(kv.first), depth + 1));
      }
    }
    spend(n.text.size() + 1, line);
    return n;
  }

 private:
  [[noreturn]] void fail(int line, const std::string& why) const {
    throw ConfigError(path_, "cannot parse YAML at line " + std::to_string(line) + ": " + why);
  }
  void spend(size_t bytes, int line) {
    if (bytes > budget_) fail(line, "the values expand to more than the file size limit (aliases?)");
    budget_ -= bytes;
  }

  const std::string& path_;
  size_t budget_ = kMaxConfigFileBytes;
};

std::vector<YAML::Node> load_documents(const std::string& text, const std::string& path) {
  try {
    return YAML::LoadAll(text);
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own limit, far above ours
    throw ConfigError(path, "cannot parse YAML at line " + std::to_string(e.mark.line + 1) +
                                ": nested deeper than " + std::to_string(kMaxConfigDepth) + " levels");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(path, "cannot parse YAML at line " + std::to_string(e.mark.line + 1) +
                                ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path, std::string("cannot parse YAML: ") + e.what());
  }
}

}  // namespace

ConfigNode parse_yaml_tree(const std::string& text, const std::string& path) {
  const std::vector<YAML::Node> docs = load_documents(text, path);
  // A second document would otherwise be silently ignored: its keys would look set but not be.
  for (size_t i = 1; i < docs.size(); ++i) {
    if (!docs[i].IsNull()) {
      throw ConfigError(path, "holds a second YAML document (at line " + std::to_string(line_of(docs[i])) +
                                  "); put every key in one document, without a --- line between");
    }
  }
  if (docs.empty()) return {};
  return TreeCopy(path).copy(docs[0], line_of(docs[0]), 1);
}

}  // namespace vs::config_detail
