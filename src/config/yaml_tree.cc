// YAML text → ConfigNode, built straight from yaml-cpp's parser events rather than through
// YAML::LoadAll: Debian's yaml-cpp 0.7 loops without end, allocating, on a stray ',' outside a
// flow collection (upstream #1040, fixed by #1319 in later releases; our config fuzzer found it).
// The parser here reads one document at a time and stops when a document starts where the last
// one did. yaml-cpp shares the node an alias points to, but the tree copies it, so a few aliases
// of aliases could expand a small file without end ("billion laughs"); every value is therefore
// charged, aliases by their whole size, against kMaxConfigValues and kMaxConfigFileBytes.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <optional>
#include <sstream>

#include "config/config_tree.h"
#include "config/load_config.h"

namespace vs::config_detail {
namespace {

int line_of(const YAML::Mark& mark) { return mark.is_null() ? 0 : mark.line + 1; }

[[noreturn]] void fail(const std::string& path, int line, const std::string& why) {
  throw ConfigError(path, "cannot parse YAML at line " + std::to_string(line) + ": " + why);
}

// What a value costs and how deep it reaches, so an alias can be charged without walking it.
struct Size {
  size_t values = 0;
  size_t bytes = 0;
  int height = 1;
};

class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(const std::string& path) : path_(path) {}

  // The first document's root; an empty file is an empty tree.
  ConfigNode take_root() { return root_ ? std::move(*root_) : ConfigNode{}; }

  // A document that starts where the previous one did means the parser is stuck on text it
  // cannot read; a second document that holds anything would be silently ignored.
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (documents_ > 0 && mark.pos <= last_document_pos_) {
      fail(path_, line_of(mark), "unexpected text at column " + std::to_string(mark.column + 1) +
                                     " (a stray ',', ']' or '}'?)");
    }
    last_document_pos_ = mark.pos;
    ++documents_;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    ConfigNode n;
    finish_value(std::move(n), mark, anchor, charge(mark, 0, 1));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                const std::string& value) override {
    refuse_second_document(mark);
    finish_value(ConfigNode::of_text(value), mark, anchor, charge(mark, value.size(), 1));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) fail(path_, line_of(mark), "an alias to an anchor not yet complete");
    refuse_second_document(mark);
    const Size size = charge(mark, it->second.second.bytes, it->second.second.values, it->second.second.height);
    finish_value(ConfigNode(it->second.first), mark, YAML::NullAnchor, size);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    open(ConfigNode::Kind::kList, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    open(ConfigNode::Kind::kMap, mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  // A list or map being read: its node, the key waiting for its value, and what it had spent.
  struct Open {
    ConfigNode node;
    YAML::Mark mark;
    YAML::anchor_t anchor = YAML::NullAnchor;
    std::optional<std::string> key;
    int key_line = 0;
    size_t values_before = 0;
    size_t bytes_before = 0;
    int height = 1;
  };

  void refuse_second_document(const YAML::Mark& mark) const {
    if (documents_ > 1) {
      throw ConfigError(path_, "holds a second YAML document (at line " + std::to_string(line_of(mark)) +
                                   "); put every key in one document, without a --- line between");
    }
  }

  bool key_expected() const {
    return !open_.empty() && open_.back().node.kind == ConfigNode::Kind::kMap && !open_.back().key;
  }

  void open(ConfigNode::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    refuse_second_document(mark);
    if (key_expected()) fail(path_, line_of(mark), "expected text keys");
    Open o;
    o.values_before = values_spent_;
    o.bytes_before = bytes_spent_;
    charge(mark, 0, 1);
    o.node.kind = kind;
    o.mark = mark;
    o.anchor = anchor;
    open_.push_back(std::move(o));
  }

  void close() {
    Open o = std::move(open_.back());
    open_.pop_back();
    const Size size{values_spent_ - o.values_before, bytes_spent_ - o.bytes_before, o.height};
    finish_value(std::move(o.node), o.mark, o.anchor, size);
  }

  // Charges a value (an alias by its whole size) and refuses one too deep or past the budgets.
  Size charge(const YAML::Mark& mark, size_t bytes, size_t values, int height = 1) {
    if (int(open_.size()) + height > kMaxConfigDepth) {
      fail(path_, line_of(mark), "nested deeper than " + std::to_string(kMaxConfigDepth) + " levels");
    }
    if (values > kMaxConfigValues - values_spent_) {
      fail(path_, line_of(mark), "the values expand to more than " + std::to_string(kMaxConfigValues) + " values (aliases?)");
    }
    if (bytes > kMaxConfigFileBytes - bytes_spent_) {
      fail(path_, line_of(mark), "the values expand to more than the file size limit (aliases?)");
    }
    values_spent_ += values;
    bytes_spent_ += bytes;
    return Size{values, bytes, height};
  }

  // Puts a complete value where it belongs: a map's key or value, a list's item, or the root.
  void finish_value(ConfigNode n, const YAML::Mark& mark, YAML::anchor_t anchor, const Size& size) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = {n, size};
    if (open_.empty()) {
      n.line = line_of(mark);
      if (documents_ == 1 && !root_) root_ = std::move(n);
      return;
    }
    Open& parent = open_.back();
    parent.height = std::max(parent.height, size.height + 1);
    if (parent.node.kind == ConfigNode::Kind::kList) {
      n.line = line_of(mark);
      parent.node.items.push_back(std::move(n));
    } else if (!parent.key) {
      if (n.kind != ConfigNode::Kind::kText) fail(path_, line_of(mark), "expected text keys");
      parent.key = std::move(n.text);
      parent.key_line = line_of(mark);
    } else {
      n.line = parent.key_line;
      parent.node.entries.emplace_back(std::move(*parent.key), std::move(n));
      parent.key.reset();
    }
  }

  const std::string& path_;
  std::vector<Open> open_;
  std::optional<ConfigNode> root_;
  std::map<YAML::anchor_t, std::pair<ConfigNode, Size>> anchors_;
  size_t documents_ = 0;
  int last_document_pos_ = -1;
  size_t values_spent_ = 0;
  size_t bytes_spent_ = 0;
};

}  // namespace

ConfigNode parse_yaml_tree(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  TreeBuilder builder(path);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own limit, far above ours
    fail(path, e.mark.line + 1, "nested deeper than " + std::to_string(kMaxConfigDepth) + " levels");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(path, "cannot parse YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path, std::string("cannot parse YAML: ") + e.what());
  }
  return builder.take_root();
}

}  // namespace vs::config_detail
