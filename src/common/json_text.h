// JSON text that never throws: invalid UTF-8 (from a request path, a worker line, a config
// value) is replaced instead of raising nlohmann::json::type_error.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace vs {

// Compact JSON text of value; invalid UTF-8 in strings becomes U+FFFD.
std::string dump_json(const nlohmann::json& value);

}  // namespace vs
