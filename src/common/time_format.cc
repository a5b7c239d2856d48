#include "common/time_format.h"

#include <cstdio>
#include <ctime>

namespace vs {

std::string rfc3339(WallTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(date) + millis;
}

nlohmann::json rfc3339_or_null(const std::optional<WallTime>& t) {
  if (!t) return nullptr;
  return rfc3339(*t);
}

}  // namespace vs
