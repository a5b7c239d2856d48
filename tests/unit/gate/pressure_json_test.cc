// The pressure object keeps the reference's field names and types, with null for unknowns.
#include "gate/pressure_json.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(PressureJson, HasTheReferenceFieldsAndOurAdditions) {
  PressureSample s;
  s.timestamp = WallTime{} + std::chrono::milliseconds(1'700'000'000'123);
  s.valid = true;
  s.memory_total_mb = 16384;
  s.memory_available_mb = 12288;
  s.memory_percent = 25;
  s.cpu_percent = 12.5;
  s.cpu_percent_total = 80;
  s.psi_some_avg10 = 0.5;
  s.cgroup_limited = true;

  const nlohmann::json j = to_json(s);
  EXPECT_EQ(j, nlohmann::json::parse(R"({
    "timestamp": "2023-11-14T22:13:20.123Z",
    "cpu_percent": 12.5,
    "memory_percent": 25.0,
    "memory_available_mb": 12288.0,
    "memory_total_mb": 16384.0,
    "valid": true,
    "reason": "",
    "psi_some_avg10": 0.5,
    "cgroup_limited": true,
    "cpu_percent_total": 80.0
  })"));
}

TEST(PressureJson, UnknownsAreNullNotZero) {
  PressureSample s;  // never taken
  s.valid = false;
  s.reason = "cannot read /proc/meminfo: No such file or directory";
  const nlohmann::json j = to_json(s);
  EXPECT_TRUE(j["timestamp"].is_null()) << "never a zero date";
  EXPECT_TRUE(j["cpu_percent"].is_null());
  EXPECT_TRUE(j["cpu_percent_total"].is_null());
  EXPECT_TRUE(j["psi_some_avg10"].is_null());
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["reason"], "cannot read /proc/meminfo: No such file or directory");
  EXPECT_TRUE(j["memory_percent"].is_number());
}

}  // namespace
}  // namespace vs
