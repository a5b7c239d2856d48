// StreamSource is audio that arrives from outside in pieces: an HTTP upload to POST /v1/audio
// (and, later, Wyoming audio-chunks). Whoever receives the bytes calls feed() — one producer
// thread. A live stream (the default) goes into the ring like a microphone's: never waiting, so
// a worker that stops taking audio trips the overflow stop instead of stalling the sender. A
// waiting stream (a recorded file uploaded as fast as the network goes) keeps what does not fit
// and says Full: its receiver stops reading, asks when_room() to be woken, and calls drain()
// then, until it says Accepted. A live
// stream does the same with one large piece (a second of audio or more: a WebSocket message may
// carry many), which would otherwise overflow a ring that has room for the usual small pieces.
//
//   auto src = std::make_unique<StreamSource>();
//   StreamSource* feed = src.get();
//   recorder.start(std::move(src), "upload", &busy);
//   feed->feed(bytes);          // s16le, 16 kHz mono, any length; false: the recording ended
//   while (feed->finish() == StreamSource::Fed::Full) { ...later... }  // the input ended
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <string_view>

#include "audio/audio_source.h"
#include "sources/frame_chunker.h"

namespace vs {

class StreamSource : public AudioSource {
 public:
  enum class Fed { Accepted, Full, Ended };
  // A piece this large goes in as the ring makes room, even on a live stream.
  static constexpr size_t kHoldBackBytes = 32000;  // 1 s of 16 kHz s16le

  explicit StreamSource(bool waits = false) : waits_(waits) {}
  void start(RingWriter& out, OnEnd on_end) override;
  void stop() noexcept override;
  std::string kind() const override { return "stream"; }
  bool waits_on_full_ring() const override { return waits_; }

  // The producer: little-endian s16 mono samples at 16 kHz, split anywhere (even mid-sample).
  // Ended once the recording takes no more audio (stopped or overflowed); Full (waiting streams
  // only) when frames are held back for drain().
  Fed feed(std::string_view bytes);
  // Waiting streams: pushes held-back frames that now fit.
  Fed drain();
  // After Full: `wake` runs once the ring may take the held-back frames (or the recording
  // ended), on the pump's thread — then call drain() (or finish()) again. RingWriter::when_room.
  void when_room(std::function<void()> wake);
  // The input ended: pads the last frame and ends the recording (end_of_stream). Never waits:
  // Full while a waiting stream still holds frames the ring has no room for — call it again
  // once it may have (it goes on where it stopped); Ended once the input has ended.
  Fed finish();
  // The producer's bytes so far.
  uint64_t bytes_fed() const { return bytes_; }
  // One producer at a time: true for the one caller that may feed it until release_producer().
  bool claim_producer() { return !claimed_.exchange(true); }
  void release_producer() { claimed_ = false; }

 private:
  bool push(const AudioFrame& frame);

  const bool waits_;
  bool holding_ = false;  // the current feed keeps what does not fit (waits_ or a large piece)
  std::deque<AudioFrame> held_;  // waiting streams: frames that did not fit yet
  RingWriter* out_ = nullptr;
  OnEnd on_end_;
  FrameChunker chunker_;
  uint8_t odd_byte_ = 0;
  bool has_odd_byte_ = false;
  bool last_frame_cut_ = false;  // finish() has padded and pushed the last partial frame
  uint64_t bytes_ = 0;
  std::atomic<bool> ended_{false};
  std::atomic<bool> claimed_{false};
};

}  // namespace vs
