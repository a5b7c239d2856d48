// JSON text in and out that never throws and never recurses deeply: invalid UTF-8 (from a request
// path, a worker line, a config value) is replaced instead of raising nlohmann::json::type_error,
// and text nested deeper than any message of ours is refused before nlohmann builds it (its copy
// and dump recurse once per level: 100,000 levels overflow the stack).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace vs {

// Deeper than any JSON the daemon reads (worker lines, request bodies, Wyoming headers and data).
inline constexpr size_t kMaxJsonDepth = 64;

// Compact JSON text of value; invalid UTF-8 in strings becomes U+FFFD.
std::string dump_json(const nlohmann::json& value);

// The value of `text`, or a discarded value (is_discarded()) when it is not valid JSON or nests
// arrays and objects deeper than `max_depth`. Linear time, constant stack.
nlohmann::json parse_json(std::string_view text, size_t max_depth = kMaxJsonDepth);

// The deepest nesting of arrays and objects in `text` (brackets inside strings do not count),
// given up on past `limit` (returns limit + 1). For text that is not JSON the figure is only an
// upper bound of what a parser would build.
size_t json_depth(std::string_view text, size_t limit);

}  // namespace vs
