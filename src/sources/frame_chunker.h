// FrameChunker cuts a stream of 16 kHz mono samples, in pieces of any length, into whole
// 10 ms AudioFrames, keeping the remainder for the next piece. finish() pads the last partial
// frame with silence. Pure: used by every source after its own decoding and resampling.
//
//   FrameChunker chunker;
//   chunker.feed(samples, [&](const AudioFrame& f) { return out.push(f); });
#pragma once

#include <functional>
#include <span>

#include "audio/audio_frame.h"

namespace vs {

class FrameChunker {
 public:
  // Returns false as soon as `emit` does (the rest of `samples` is dropped): the consumer is gone.
  using Emit = std::function<bool(const AudioFrame&)>;

  bool feed(std::span<const int16_t> samples, const Emit& emit);
  // Emits the held remainder padded with zeros, if any. Returns emit's answer (true if none).
  bool finish(const Emit& emit);
  size_t held() const { return held_; }

 private:
  AudioFrame partial_{};
  size_t held_ = 0;
};

}  // namespace vs
