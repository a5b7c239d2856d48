// Field is one member of Config as the key table sees it: its type, how a value is stored into
// it, and how it is shown. VS_CONFIG_FIELD(worker.stop_timeout_ms) makes one; the member's C++
// type picks the conversion (int, double, bool, std::string, lists, maps; unsigned is a
// permission mode), so the table never repeats a type the struct already states.
//
// Range is the allowed interval of a numeric key, checked once on the merged configuration.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "common/json_text.h"
#include "config/config.h"
#include "config/config_tree.h"
#include "config/value_parsers.h"

namespace vs::config_detail {

enum class FieldType { kBool, kInt, kMode, kNumber, kText, kList, kMap };

// Thrown by Field::store; load_config.cc adds the key, the expected type and the origin.
struct BadValue {
  std::string expected;  // empty: the field's type name
  std::string got;
};

struct Field {
  FieldType type;
  // `from_text`: the value is one string from env or a flag, which a list still splits into words
  // and a map reads as one NAME=VALUE to add. Throws BadValue.
  std::function<void(Config&, const ConfigNode&, bool from_text)> store;
  std::function<std::string(const Config&)> show;  // as check-config prints it
  std::function<double(const Config&)> number;     // numeric types; 0 for the others
};

// The conversions behind Field::store, one per member type (field.cc).
void assign(bool& slot, const ConfigNode& v, bool from_text);
void assign(int& slot, const ConfigNode& v, bool from_text);
void assign(unsigned& slot, const ConfigNode& v, bool from_text);  // a permission mode
void assign(double& slot, const ConfigNode& v, bool from_text);
void assign(std::string& slot, const ConfigNode& v, bool from_text);
void assign(std::vector<std::string>& slot, const ConfigNode& v, bool from_text);
void assign(std::map<std::string, std::string>& slot, const ConfigNode& v, bool from_text);

// As check-config prints it: strings, lists and maps as JSON, a mode in octal.
template <class T>
std::string show(const T& value) {
  if constexpr (std::is_same_v<T, bool>) return value ? "true" : "false";
  else if constexpr (std::is_same_v<T, int>) return std::to_string(value);
  else if constexpr (std::is_same_v<T, unsigned>) return format_mode(value);
  else if constexpr (std::is_same_v<T, double>) return format_double(value);
  else return dump_json(value);
}

template <class T>
constexpr FieldType field_type() {
  if constexpr (std::is_same_v<T, bool>) return FieldType::kBool;
  if constexpr (std::is_same_v<T, int>) return FieldType::kInt;
  if constexpr (std::is_same_v<T, unsigned>) return FieldType::kMode;
  if constexpr (std::is_same_v<T, double>) return FieldType::kNumber;
  if constexpr (std::is_same_v<T, std::string>) return FieldType::kText;
  if constexpr (std::is_same_v<T, std::vector<std::string>>) return FieldType::kList;
  if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) return FieldType::kMap;
}

// `at` is a generic lambda returning the member of a (const) Config.
template <class At>
Field make_field(At at) {
  using T = std::remove_cvref_t<decltype(at(std::declval<Config&>()))>;
  return Field{field_type<T>(),
               [at](Config& c, const ConfigNode& v, bool from_text) { assign(at(c), v, from_text); },
               [at](const Config& c) { return show(at(c)); },
               [at](const Config& c) -> double {
                 if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
                   return at(c);
                 } else {
                   (void)at;  // used in the other branch only
                   (void)c;
                   return 0;
                 }
               }};
}

#define VS_CONFIG_FIELD(member) \
  ::vs::config_detail::make_field([](auto& c) -> auto& { return c.member; })

// "an integer", "a boolean (1/true/yes/on or 0/false/no/off)", ...
std::string type_name(FieldType type);

// A closed or half-open interval: (0, 3600000], [1, 1000], [0, 1).
struct Range {
  constexpr Range(double lo_, double hi_, bool lo_open_ = false, bool hi_open_ = false)
      : lo(lo_), hi(hi_), lo_open(lo_open_), hi_open(hi_open_) {}

  double lo, hi;
  bool lo_open = false, hi_open = false;

  bool contains(double v) const {
    return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  }
};

// "(0, 3600000]"; a mode's bounds in octal: "0000..0777".
std::string range_text(const Range& range, FieldType type);
// The bound `value` breaks, as "> 0" or "<= 3600000" (for a mode: "in 0000..0777").
std::string broken_bound(const Range& range, FieldType type, double value);

}  // namespace vs::config_detail
