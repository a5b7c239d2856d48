#include "gate/gate_reasons.h"

#include <cstdio>

namespace vs {
namespace {

std::string format(const char* fmt, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, value);
  return buf;
}

// A configured limit as the user wrote it: 90 → "90", 85.5 → "85.5" (never "1e+06").
std::string limit(double value) {
  std::string s = format("%.2f", value);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::string memory_available_reason(double available_mb, double min_mb) {
  return "memory available " + format("%.0f", available_mb) + " MB is below the minimum " +
         limit(min_mb) + " MB";
}

std::string memory_percent_reason(double percent, double max_percent) {
  return "memory use " + format("%.1f", percent) + "% is above the maximum " +
         limit(max_percent) + "%";
}

std::string psi_reason(double some_avg10, double max_some_avg10) {
  return "memory pressure (PSI some avg10) " + format("%.2f", some_avg10) +
         " is above the maximum " + limit(max_some_avg10);
}

std::string cpu_reason(double percent, double max_percent) {
  return "cpu " + format("%.1f", percent) + "% is above the maximum " + limit(max_percent) + "%";
}

std::string stale_reason(std::chrono::milliseconds age) {
  return "pressure sample is stale (last taken " + std::to_string(age.count()) + " ms ago)";
}

std::string slow_sample_reason(std::chrono::milliseconds took, std::chrono::milliseconds limit) {
  return "pressure sample is stale (reading it took " + std::to_string(took.count()) +
         " ms, the limit is " + std::to_string(limit.count()) + " ms)";
}

std::string recovering_reason(const std::string& closing, int good, int needed) {
  return closing + " (recovering: " + std::to_string(good) + " of " + std::to_string(needed) +
         " good samples)";
}

}  // namespace vs
