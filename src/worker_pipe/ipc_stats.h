// IpcStats counts what crossed one worker's pipes. Counters only grow; snapshots are copies.
#pragma once

#include <atomic>
#include <cstdint>

namespace vs {

struct IpcCounters {
  std::atomic<uint64_t> lines_in{0};         // well-formed lines read from stdout
  std::atomic<uint64_t> lines_out{0};        // lines written to stdin
  std::atomic<uint64_t> malformed_lines{0};  // not JSON, not an object, or no string "type"
  std::atomic<uint64_t> oversized_lines{0};  // longer than max_line_bytes, skipped
  std::atomic<uint64_t> unknown_lines{0};    // well-formed with a type the sidecar doesn't know
  std::atomic<uint64_t> frames_written{0};   // audio_frame lines written
  std::atomic<uint64_t> audio_bytes_written{0};  // PCM bytes in those frames (before base64)
  std::atomic<uint64_t> stderr_lines{0};     // lines the worker wrote to stderr
  std::atomic<uint64_t> stderr_dropped_lines{0};  // of those, not logged (the rate limit)
  // Not a counter: the longest one write() to stdin took to complete, in µs. Duplex means this
  // stays small however slowly anyone reads the worker's events.
  std::atomic<uint64_t> write_stall_max_us{0};
};

struct IpcStats {
  uint64_t lines_in = 0, lines_out = 0, malformed_lines = 0, oversized_lines = 0,
           unknown_lines = 0, frames_written = 0, audio_bytes_written = 0, stderr_lines = 0,
           stderr_dropped_lines = 0;
  uint64_t sink_queue_depth = 0;
  uint64_t write_stall_max_us = 0;
};

namespace ipc_stats_detail {

// The one list of the counters both structs share: f(a.field, b.field) for each of them.
template <class A, class B, class F>
void for_each_counter(A& a, B& b, F f) {
  f(a.lines_in, b.lines_in);
  f(a.lines_out, b.lines_out);
  f(a.malformed_lines, b.malformed_lines);
  f(a.oversized_lines, b.oversized_lines);
  f(a.unknown_lines, b.unknown_lines);
  f(a.frames_written, b.frames_written);
  f(a.audio_bytes_written, b.audio_bytes_written);
  f(a.stderr_lines, b.stderr_lines);
  f(a.stderr_dropped_lines, b.stderr_dropped_lines);
}
// A counter added to the structs but not to the list above fails here.
static_assert(sizeof(IpcCounters) == 10 * sizeof(std::atomic<uint64_t>));  // the 9 + write_stall_max_us
static_assert(sizeof(IpcStats) == 11 * sizeof(uint64_t));  // + sink_queue_depth, write_stall_max_us

}  // namespace ipc_stats_detail

// The counters' current values; sink_queue_depth is left 0 (the queue is not a counter).
inline IpcStats snapshot(const IpcCounters& c) {
  IpcStats s;
  s.write_stall_max_us = c.write_stall_max_us.load();
  ipc_stats_detail::for_each_counter(s, c, [](uint64_t& out, const std::atomic<uint64_t>& in) {
    out = in.load();
  });
  return s;
}

// Sums the counters and keeps the larger stall; sink_queue_depth is a gauge and is left as it is.
inline IpcStats& operator+=(IpcStats& into, const IpcStats& s) {
  if (s.write_stall_max_us > into.write_stall_max_us) into.write_stall_max_us = s.write_stall_max_us;
  ipc_stats_detail::for_each_counter(into, s, [](uint64_t& sum, uint64_t add) { sum += add; });
  return into;
}

}  // namespace vs
