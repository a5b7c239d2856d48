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
};

struct IpcStats {
  uint64_t lines_in = 0, lines_out = 0, malformed_lines = 0, oversized_lines = 0,
           unknown_lines = 0, frames_written = 0, audio_bytes_written = 0, stderr_lines = 0;
  uint64_t sink_queue_depth = 0;
};

}  // namespace vs
