// RecordingSnapshot is the `recording` object of DESIGN.md §2 as a plain value: what
// /v1/control/status, recording/start and recording/stop answer, and the summary of `transcribe`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "audio/buffer_level.h"
#include "common/time_format.h"

namespace vs {

struct RecordingSnapshot {
  std::string id;              // empty while idle (no recording yet)
  std::string state = "idle";  // idle (never recorded), recording (until the last ack), stopped
  std::string source;          // file, mic, stream
  std::string input;           // the file's path or the device, when there is one
  std::string reason;          // why it stopped: requested, end_of_file, end_of_stream, overflow, device_error
  std::string error;           // a sentence when it stopped on an error
  std::optional<WallTime> started_at, stopped_at;
  uint64_t frames_captured = 0;  // pushed into the ring by the source
  uint64_t frames_sent = 0;      // handed to a worker for the first time
  uint64_t frames_acked = 0;     // acknowledged by a worker (fully consumed)
  uint64_t frames_rejected = 0;  // refused by a full ring (overflow)
  uint64_t frames_replayed = 0;  // sent again to a new worker instance
  uint64_t frames_lost = 0;      // never acknowledged and beyond recovery
  uint64_t worker_frames_received = 0;  // the current worker's own count (its ack's "received")
  double occupancy = 0;          // of the ring, 0..1
  BufferLevel level = BufferLevel::Normal;

  bool active() const { return state == "recording"; }
};

void to_json(nlohmann::json& out, const RecordingSnapshot& r);

}  // namespace vs
