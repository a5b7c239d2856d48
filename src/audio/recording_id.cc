#include "audio/recording_id.h"

#include <mutex>
#include <random>

#include <fmt/format.h>

namespace vs {

std::string new_recording_id() {
  static std::mutex mu;
  static std::mt19937_64 random{std::random_device{}()};
  std::lock_guard lock(mu);
  return fmt::format("rec_{:012x}", random() & 0xffffffffffffULL);
}

}  // namespace vs
