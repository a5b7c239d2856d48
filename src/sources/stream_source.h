// StreamSource is audio that arrives from outside in pieces: an HTTP upload to POST /v1/audio
// (and, later, Wyoming audio-chunks). Whoever receives the bytes calls feed() — one producer
// thread — and the samples go into the recording's ring like a microphone's: never waiting, so a
// worker that stops taking audio trips the overflow stop instead of stalling the sender.
//
//   auto src = std::make_unique<StreamSource>();
//   StreamSource* feed = src.get();
//   recorder.start(std::move(src), "upload", &busy);
//   feed->feed(bytes);          // s16le, 16 kHz mono, any length; false: the recording ended
//   feed->finish();             // the input ended: the recording ends with end_of_stream
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "sources/audio_source.h"
#include "sources/frame_chunker.h"

namespace vs {

class StreamSource : public AudioSource {
 public:
  void start(RingWriter& out, OnEnd on_end) override;
  void stop() noexcept override;
  std::string kind() const override { return "stream"; }

  // The producer: little-endian s16 mono samples at 16 kHz, split anywhere (even mid-sample).
  // Returns false once the recording takes no more audio (stopped or overflowed).
  bool feed(std::string_view bytes);
  // The input ended: pads the last frame and ends the recording (end_of_stream).
  void finish();
  // The producer's bytes so far.
  uint64_t bytes_fed() const { return bytes_; }

 private:
  RingWriter* out_ = nullptr;
  OnEnd on_end_;
  FrameChunker chunker_;
  uint8_t odd_byte_ = 0;
  bool has_odd_byte_ = false;
  uint64_t bytes_ = 0;
  std::atomic<bool> ended_{false};
};

}  // namespace vs
