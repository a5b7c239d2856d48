#include "audio/buffer_level.h"

namespace vs {
namespace {

constexpr double kWarnAbove = 0.50;
constexpr double kCriticalAbove = 0.70;
constexpr double kHysteresis = 0.05;

// Where each level begins; a level is left once occupancy is kHysteresis below this.
double floor_of(BufferLevel level) {
  switch (level) {
    case BufferLevel::Warn: return kWarnAbove;
    case BufferLevel::Critical: return kCriticalAbove;
    default: return 0;
  }
}

}  // namespace

const char* to_string(BufferLevel level) {
  switch (level) {
    case BufferLevel::Normal: return "normal";
    case BufferLevel::Warn: return "warn";
    case BufferLevel::Critical: return "critical";
    case BufferLevel::Overflow: return "overflow";
  }
  return "normal";
}

BufferLevel level_for(double occupancy, bool refused) {
  if (refused) return BufferLevel::Overflow;
  if (occupancy > kCriticalAbove) return BufferLevel::Critical;
  if (occupancy > kWarnAbove) return BufferLevel::Warn;
  return BufferLevel::Normal;
}

std::optional<BufferLevel> BufferLevels::observe(double occupancy, bool refused) {
  if (current_ == BufferLevel::Overflow) return std::nullopt;  // final: the recording stops
  const BufferLevel now = level_for(occupancy, refused);
  if (now > current_) {
    current_ = now;
    return now;
  }
  // Falling: step down only once clearly below the current level's floor.
  while (current_ > now && occupancy <= floor_of(current_) - kHysteresis) {
    current_ = static_cast<BufferLevel>(static_cast<int>(current_) - 1);
  }
  return std::nullopt;
}

}  // namespace vs
