// RingWriter is the producer's end of a recording's AudioRing: what a source holds.
//
// push() is for producers that cannot wait (a microphone callback, an HTTP upload): it never
// blocks, locks, allocates or logs, and a refused frame is only counted — the pump sees the
// count and stops the recording (the overflow policy lives on the consumer side). push_wait()
// is for a producer that can wait (a file read faster than real time): it waits while the ring
// is full instead of overflowing; offer() is the same without blocking (an HTTP upload, which
// leaves its socket unread meanwhile). Both return false once the recording is closed: stop then.
#pragma once

#include <atomic>
#include <cstdint>

#include "audio/audio_ring.h"

namespace vs {

class RingWriter {
 public:
  explicit RingWriter(AudioRing& ring) : ring_(ring) {}

  bool push(const AudioFrame& frame) noexcept {
    if (closed_.load(std::memory_order_acquire)) return false;
    if (ring_.try_push(frame)) {
      captured_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  // Waits (in 1 ms naps) while the ring is full. False when the writer was closed first.
  bool push_wait(const AudioFrame& frame);
  // For a producer that waits without blocking its thread: pushes if there is room, else false
  // without counting a refusal (it will offer the frame again).
  bool offer(const AudioFrame& frame) noexcept {
    if (closed() || !ring_.try_push(frame)) return false;
    captured_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // Ends the producer's turn: later pushes return false without counting. Any thread.
  void close() noexcept { closed_.store(true, std::memory_order_release); }
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  uint64_t captured() const noexcept { return captured_.load(std::memory_order_relaxed); }
  uint64_t rejected() const noexcept { return rejected_.load(std::memory_order_relaxed); }

 private:
  AudioRing& ring_;
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> captured_{0};
  std::atomic<uint64_t> rejected_{0};
};

}  // namespace vs
