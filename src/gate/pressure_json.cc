#include "gate/pressure_json.h"

namespace vs {
namespace {

nlohmann::json number_or_null(const std::optional<double>& v) {
  if (!v) return nullptr;
  return *v;
}

}  // namespace

nlohmann::json to_json(const PressureSample& sample) {
  // A default WallTime means "never sampled"; printing it would be the reference's zero-date bug.
  const std::optional<WallTime> taken =
      sample.timestamp == WallTime{} ? std::nullopt : std::optional<WallTime>(sample.timestamp);
  return nlohmann::json{
      {"timestamp", rfc3339_or_null(taken)},
      {"cpu_percent", number_or_null(sample.cpu_percent)},
      {"memory_percent", sample.memory_percent},
      // Whole MB, as the reference control plane sent them: its clients decode integers.
      {"memory_available_mb", static_cast<int64_t>(sample.memory_available_mb)},
      {"memory_total_mb", static_cast<int64_t>(sample.memory_total_mb)},
      {"valid", sample.valid},
      {"reason", sample.reason},
      {"psi_some_avg10", number_or_null(sample.psi_some_avg10)},
      {"cgroup_limited", sample.cgroup_limited},
      // cpu_percent above is what gates (without the supervised worker); this is the machine.
      {"cpu_percent_total", number_or_null(sample.cpu_percent_total)},
  };
}

}  // namespace vs
