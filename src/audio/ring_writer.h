// RingWriter is the producer's end of a recording's AudioRing: what a source holds.
//
// push() is for producers that cannot wait (a microphone callback, an HTTP upload): it never
// blocks, locks, allocates or logs, and a refused frame is only counted — the pump sees the
// count and stops the recording (the overflow policy lives on the consumer side). push_wait()
// is for a producer that can wait (a file read faster than real time): it waits while the ring
// is full instead of overflowing; offer() is the same without blocking (an HTTP upload, which
// leaves its socket unread meanwhile) and when_room() tells such a producer when to offer again:
// the one backpressure call, instead of a timer polling the ring. Both return false once the
// recording is closed: stop then.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

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

  // Waits while the ring is full (woken by the pump, as when_room). False when the writer was
  // closed first.
  bool push_wait(const AudioFrame& frame);
  // For a producer that waits without blocking its thread: pushes if there is room, else false
  // without counting a refusal (it will offer the frame again).
  bool offer(const AudioFrame& frame) noexcept {
    if (closed() || !ring_.try_push(frame)) return false;
    captured_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // A producer that waits without blocking: `wake` runs once, on the pump's thread, when the pump
  // has taken frames or the ring was closed — at once, on this thread, when the ring has room or
  // is closed already. Replaces a wake not yet run. Keep it short (post to your executor).
  void when_room(std::function<void()> wake);
  // The pump took frames (or close() ran): runs the waiting producer's wake, if any. Cheap
  // when nobody waits (one atomic load).
  void room_made();

  // Ends the producer's turn: later pushes return false without counting, and a producer
  // waiting for room (push_wait, when_room) is woken to learn it. Any thread.
  void close() {
    closed_.store(true, std::memory_order_release);
    room_made();
  }
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  uint64_t captured() const noexcept { return captured_.load(std::memory_order_relaxed); }
  uint64_t rejected() const noexcept { return rejected_.load(std::memory_order_relaxed); }

 private:
  AudioRing& ring_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> wake_wanted_{false};
  std::mutex wake_mu_;
  std::function<void()> wake_;
  std::atomic<uint64_t> captured_{0};
  std::atomic<uint64_t> rejected_{0};
};

}  // namespace vs
