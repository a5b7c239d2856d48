// SinkQueue is what an AudioSink puts into and the writer thread takes out of: a bounded ring of
// PCM frames plus a small queue of control lines (ping, flush, shutdown) that the writer always
// takes first.
//
// Why a mutex and condition variables rather than Boost.Lockfree: the sink must *wait* (a
// sender with a deadline while the queue is full; the writer while it is empty) and must *close*
// (senders then get Closed, the writer drains and ends). Lock-free queues do neither, so they
// would need a spin or a second signalling mechanism anyway. The producers here are the pump
// and control-plane threads, not the microphone callback (that one only touches the lock-free
// SPSC ring of DESIGN.md §4), and the critical sections are a 320-byte copy, so the lock is
// cheap. Frame slots keep their buffers, so steady-state sends do not allocate.
//
// Each frame's seq is assigned under the lock when it is queued (0, 1, 2, ... per stream and
// instance), so a stream's seq order is queue order is write order. A named stream's flush ends
// it: the worker forgets the stream, and the next frame of that id starts again at seq 0 (the
// default stream "" counts on, as protocol 1 does). Frames are encoded to JSON by the writer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "worker_pipe/send_result.h"

namespace vs {

class SinkQueue {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // max_frame_samples bounds one frame so its line stays within the protocol's line limit.
  SinkQueue(size_t frame_capacity, size_t max_frame_samples, size_t control_capacity = 16);

  // --- senders (any thread) ---
  // Waits until `deadline` for room (nullopt: don't wait). Throws std::invalid_argument for a
  // frame longer than max_frame_samples (a programming error, never silently truncated).
  SendResult push_frame(std::string_view stream, std::span<const int16_t> pcm, std::optional<Deadline> deadline,
                        uint64_t* seq_out);
  // Never waits: control lines are few; a full control queue means the writer is stuck.
  SendResult push_control(std::string line);
  // A control line that ends `stream` (its flush): its seq count starts over after it.
  SendResult push_stream_end(std::string_view stream, std::string line);

  // No more sends (they get Closed); the writer still drains what is queued, then ends.
  void close();
  // The writer can no longer write: queued items are dropped, senders get Closed, the writer
  // ends at its next pop.
  void fail();

  size_t depth() const;  // queued frames
  uint64_t next_seq(std::string_view stream) const;  // the seq of the stream's next frame
  size_t frame_capacity() const { return slots_.size(); }

  // --- writer (one thread) ---
  struct Item {
    bool is_frame = false;
    std::string stream;        // frame: its stream ("" = the default stream)
    uint64_t seq = 0;
    std::vector<int16_t> pcm;  // frame; its buffer is swapped with the slot's, not reallocated
    std::string line;          // control line, '\n' included
  };
  // Blocks until an item is available (true) or the queue is closed and empty / failed (false).
  bool pop_wait(Item& out);
  // Like pop_wait without blocking: false when nothing is queued right now.
  bool try_pop(Item& out);

 private:
  struct Slot {
    std::string stream;
    uint64_t seq = 0;
    std::vector<int16_t> pcm;
  };
  bool pop_locked(Item& out);

  const size_t max_frame_samples_;
  const size_t control_capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_;  // writer waits here
  std::condition_variable not_full_;   // senders wait here
  std::vector<Slot> slots_;
  size_t head_ = 0, count_ = 0;
  std::deque<std::string> control_;
  std::map<std::string, uint64_t, std::less<>> next_seq_;  // per stream; absent = 0
  bool closed_ = false, failed_ = false;
  bool writer_waiting_ = false;
  size_t senders_waiting_ = 0;
};

}  // namespace vs
