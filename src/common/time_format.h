// RFC 3339 timestamps for the HTTP contract: a time is a string in UTC, or JSON null when it
// never happened — never a zero date (the reference printed 0001-01-01T00:00:00Z).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace vs {

using WallTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

// "2026-11-22T09:22:31.123Z" (milliseconds, UTC).
std::string rfc3339(WallTime t);

// rfc3339(t) or null.
nlohmann::json rfc3339_or_null(const std::optional<WallTime>& t);

}  // namespace vs
