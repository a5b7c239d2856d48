// AudioRing is the 5-second buffer between an audio producer and the pump: a single-producer
// single-consumer lock-free queue of whole AudioFrames (Boost.Lockfree spsc_queue).
//
// The producer (a microphone callback, a file reader, an HTTP upload) calls only try_push: no
// lock, no allocation, no syscall. A frame that does not fit is refused whole. The consumer (the
// pump) peeks, pops and reads the occupancy; level changes are its business, never the
// producer's.
//
//   AudioRing ring(frames_for_seconds(5));   // 500 frames = 160,000 bytes
//   ring.try_push(frame);                    // producer thread
//   if (const AudioFrame* f = ring.front()) { send(*f); ring.pop(); }   // consumer thread
#pragma once

#include <memory>

#include "audio/audio_frame.h"

namespace vs {

class AudioRing {
 public:
  explicit AudioRing(size_t capacity_frames);
  ~AudioRing();
  AudioRing(const AudioRing&) = delete;
  AudioRing& operator=(const AudioRing&) = delete;

  // Producer side. False when the ring is full: the frame was not written at all.
  bool try_push(const AudioFrame& frame) noexcept;

  // Consumer side. front() is null when the ring is empty; pop() drops the front frame.
  const AudioFrame* front() noexcept;
  void pop() noexcept;
  // Drops everything queued (consumer side); returns how many frames that was.
  size_t clear() noexcept;

  // Either side: frames queued now, and the most the ring holds.
  size_t size() const noexcept;
  size_t capacity() const noexcept { return capacity_; }

 private:
  struct Queue;
  size_t capacity_;
  std::unique_ptr<Queue> queue_;
};

}  // namespace vs
