// JSON text → ConfigNode through nlohmann's SAX parser. SAX, not json::parse, because the DOM
// drops a repeated key silently (the walker must see both to refuse them, as for YAML), and
// json::parse throws out_of_range, not parse_error, for a number like 1e400.
#include <nlohmann/json.hpp>

#include "config/config_tree.h"
#include "config/load_config.h"

namespace vs::config_detail {
namespace {

// Hands the text to the lexer one character at a time and counts the newlines it has passed, so
// the builder knows the line of each key (the lexer keeps its position to itself).
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, int* newlines) : p_(p), newlines_(newlines) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    *newlines_ += *p_ == '\n';
    ++p_;
    return *this;
  }
  bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_;
  int* newlines_;
};

// The SAX events, each appended to the innermost open list or map.
class TreeBuilder {
 public:
  using json = nlohmann::json;
  TreeBuilder(const std::string& path, const int& newlines) : path_(path), newlines_(newlines) {}

  bool null() { return value({}); }
  bool boolean(bool v) { return value(ConfigNode::of_text(v ? "true" : "false")); }
  bool number_integer(json::number_integer_t v) { return value(ConfigNode::of_text(std::to_string(v))); }
  bool number_unsigned(json::number_unsigned_t v) { return value(ConfigNode::of_text(std::to_string(v))); }
  bool number_float(json::number_float_t, const std::string& written) { return value(ConfigNode::of_text(written)); }
  bool string(std::string& v) { return value(ConfigNode::of_text(std::move(v))); }
  bool binary(json::binary_t&) { return false; }  // only in binary formats
  bool start_object(std::size_t) { return open(ConfigNode::Kind::kMap); }
  bool start_array(std::size_t) { return open(ConfigNode::Kind::kList); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    open_.back()->entries.emplace_back(std::move(k), ConfigNode{}).second.line = line();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    if (e.id == 406) {  // a number beyond a double: name the key it was for
      throw ConfigError(dotted_path(), "got a number out of range at line " + std::to_string(line()) +
                                           " (from file " + path_ + ")");
    }
    throw ConfigError(path_, std::string("cannot parse JSON: ") + e.what());  // says line, column
  }

  ConfigNode take() { return std::move(root_); }

 private:
  int line() const { return newlines_ + 1; }

  // Puts `n` where the next value goes: the root, a new list item, or the entry its key opened.
  ConfigNode& add(ConfigNode n) {
    if (open_.empty()) return root_ = std::move(n);
    ConfigNode& parent = *open_.back();
    n.line = line();
    if (parent.kind == ConfigNode::Kind::kList) return parent.items.emplace_back(std::move(n));
    ConfigNode& slot = parent.entries.back().second;
    n.line = slot.line;  // the key's
    return slot = std::move(n);
  }
  bool value(ConfigNode n) {
    add(std::move(n));
    return true;
  }
  bool open(ConfigNode::Kind kind) {
    if (open_.size() >= size_t(kMaxConfigDepth)) {
      throw ConfigError(path_, "cannot parse JSON at line " + std::to_string(line()) + ": nested deeper than " +
                                   std::to_string(kMaxConfigDepth) + " levels");
    }
    ConfigNode n;
    n.kind = kind;
    open_.push_back(&add(std::move(n)));  // its parent only grows once it is closed
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }
  std::string dotted_path() const {
    std::string out;
    for (const ConfigNode* n : open_) {
      if (!n->entries.empty()) out += (out.empty() ? "" : ".") + n->entries.back().first;
    }
    return out.empty() ? path_ : out;
  }

  const std::string& path_;
  const int& newlines_;
  ConfigNode root_;
  std::vector<ConfigNode*> open_;
};

}  // namespace

ConfigNode parse_json_tree(const std::string& text, const std::string& path) {
  int newlines = 0;
  TreeBuilder builder(path, newlines);
  const char* begin = text.data();
  nlohmann::json::sax_parse(CountingIterator(begin, &newlines),
                            CountingIterator(begin + text.size(), &newlines), &builder);
  return builder.take();
}

}  // namespace vs::config_detail
