#include "sources/frame_chunker.h"

#include <algorithm>

namespace vs {

bool FrameChunker::feed(std::span<const int16_t> samples, const Emit& emit) {
  while (!samples.empty()) {
    const size_t take = std::min(kFrameSamples - held_, samples.size());
    std::copy_n(samples.begin(), take, partial_.begin() + static_cast<std::ptrdiff_t>(held_));
    held_ += take;
    samples = samples.subspan(take);
    if (held_ == kFrameSamples) {
      held_ = 0;
      if (!emit(partial_)) return false;
    }
  }
  return true;
}

bool FrameChunker::finish(const Emit& emit) {
  if (held_ == 0) return true;
  std::fill(partial_.begin() + static_cast<std::ptrdiff_t>(held_), partial_.end(), int16_t{0});
  held_ = 0;
  return emit(partial_);
}

}  // namespace vs
