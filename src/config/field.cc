// The conversions of one value into a Config member, and back to text. Ranges are not checked
// here: validate.cc checks them once on the merged configuration, so the defaults are too.
#include "config/field.h"


namespace vs::config_detail {
namespace {

// A scalar field takes text; "token:" with nothing after it is the empty text.
const std::string& text_of(const ConfigNode& v) {
  if (v.kind == ConfigNode::Kind::kList || v.kind == ConfigNode::Kind::kMap) {
    throw BadValue{"", describe_node(v)};
  }
  return v.text;
}

template <class T>
void parsed(T& slot, const std::optional<T>& value, const ConfigNode& v) {
  if (!value) throw BadValue{"", json_quoted(v.text)};
  slot = *value;
}

}  // namespace

std::string describe_node(const ConfigNode& node) {
  switch (node.kind) {
    case ConfigNode::Kind::kList: return "a list";
    case ConfigNode::Kind::kMap: return "a map";
    case ConfigNode::Kind::kNull: return "nothing";
    case ConfigNode::Kind::kText: break;
  }
  return json_quoted(node.text);
}

void assign(bool& slot, const ConfigNode& v, bool) { parsed(slot, parse_bool(text_of(v)), v); }
void assign(int& slot, const ConfigNode& v, bool) { parsed(slot, parse_int(text_of(v)), v); }
void assign(unsigned& slot, const ConfigNode& v, bool) { parsed(slot, parse_mode(text_of(v)), v); }
void assign(double& slot, const ConfigNode& v, bool) { parsed(slot, parse_double(text_of(v)), v); }
void assign(std::string& slot, const ConfigNode& v, bool) { slot = text_of(v); }

void assign(std::vector<std::string>& slot, const ConfigNode& v, bool from_text) {
  if (from_text) {
    try {
      slot = split_command_line(v.text);
    } catch (const std::invalid_argument& e) {
      throw BadValue{"a command line", json_quoted(v.text) + ": " + e.what()};
    }
    return;
  }
  if (v.kind == ConfigNode::Kind::kText) throw BadValue{"", json_quoted(v.text)};
  std::vector<std::string> out;
  for (const ConfigNode& item : v.items) {
    if (item.kind != ConfigNode::Kind::kText) throw BadValue{"", "a list holding " + describe_node(item)};
    out.push_back(item.text);
  }
  slot = std::move(out);
}

void assign(std::map<std::string, std::string>& slot, const ConfigNode& v, bool from_text) {
  if (from_text) {  // one NAME=VALUE, added to what the lower layers gave
    const size_t eq = v.text.find('=');
    if (eq == std::string::npos || eq == 0) throw BadValue{"NAME=VALUE", json_quoted(v.text)};
    slot[v.text.substr(0, eq)] = v.text.substr(eq + 1);
    return;
  }
  if (v.kind == ConfigNode::Kind::kText || v.kind == ConfigNode::Kind::kList) {
    throw BadValue{"", describe_node(v)};
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, item] : v.entries) {
    if (item.kind == ConfigNode::Kind::kList || item.kind == ConfigNode::Kind::kMap) {
      throw BadValue{"", "a map holding " + describe_node(item)};
    }
    out[name] = item.text;
  }
  slot = std::move(out);
}

std::string type_name(FieldType type) {
  switch (type) {
    case FieldType::kBool: return "a boolean (1/true/yes/on or 0/false/no/off)";
    case FieldType::kInt: return "an integer";
    case FieldType::kMode: return "a permission mode like \"0600\"";
    case FieldType::kNumber: return "a number";
    case FieldType::kText: return "a string";
    case FieldType::kList: return "a list of strings";
    case FieldType::kMap: return "a map of strings";
  }
  return "a value";
}

std::string range_text(const Range& r, FieldType type) {
  if (type == FieldType::kMode) return format_mode(unsigned(r.lo)) + ".." + format_mode(unsigned(r.hi));
  return (r.lo_open ? "(" : "[") + format_double(r.lo) + ", " + format_double(r.hi) +
         (r.hi_open ? ")" : "]");
}

std::string broken_bound(const Range& r, FieldType type, double value) {
  if (type == FieldType::kMode) return "in " + range_text(r, type);
  if (r.lo_open ? value <= r.lo : value < r.lo) return (r.lo_open ? "> " : ">= ") + format_double(r.lo);
  return (r.hi_open ? "< " : "<= ") + format_double(r.hi);
}

}  // namespace vs::config_detail
