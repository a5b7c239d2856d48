// The sentences a closed gate gives. They reach the start endpoint's 503, /v1/health and the
// logs, so they are written for a person ("memory available 512 MB is below the minimum
// 2048 MB"), with the measured value first and the configured limit second.
#pragma once

#include <chrono>
#include <string>

namespace vs {

inline constexpr const char* kNoSampleYetReason = "no pressure sample yet";

std::string memory_available_reason(double available_mb, double min_mb);
std::string memory_percent_reason(double percent, double max_percent);
std::string psi_reason(double some_avg10, double max_some_avg10);
std::string cpu_reason(double percent, double max_percent);
std::string stale_reason(std::chrono::milliseconds age);
std::string slow_sample_reason(std::chrono::milliseconds took, std::chrono::milliseconds limit);

// "<closing> (recovering: 1 of 3 good samples)".
std::string recovering_reason(const std::string& closing, int good, int needed);

}  // namespace vs
