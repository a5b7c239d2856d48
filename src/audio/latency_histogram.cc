#include "audio/latency_histogram.h"

namespace vs {

void LatencyHistogram::observe(double seconds) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) ++s_.cumulative[i];
  }
  ++s_.count;
  s_.sum += seconds;
}

LatencyHistogram::Snapshot LatencyHistogram::snapshot() const {
  std::lock_guard lock(mu_);
  return s_;
}

}  // namespace vs
