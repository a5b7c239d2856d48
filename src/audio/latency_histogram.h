// LatencyHistogram counts observations (in seconds) into fixed buckets for /v1/metrics: the
// final-text latency of every recording. Thread-safe; snapshots are copies.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

namespace vs {

class LatencyHistogram {
 public:
  static constexpr std::array<double, 10> kBounds = {0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0};

  struct Snapshot {
    std::array<uint64_t, kBounds.size()> cumulative{};  // observations <= kBounds[i]
    uint64_t count = 0;
    double sum = 0;
  };

  void observe(double seconds);
  Snapshot snapshot() const;

 private:
  mutable std::mutex mu_;
  Snapshot s_;
};

}  // namespace vs
