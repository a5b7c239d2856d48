// AudioSink is the only way audio and commands reach a worker: a bounded queue drained by the
// Sidecar's writer thread, which alone owns the worker's stdin.
//
// Callers never touch a pipe, a mutex of the writer, or the JSON encoding. Each frame belongs to
// a stream (a recording's id in protocol 2; "" is the default stream) and gets the stream's next
// `seq` (0, 1, 2, ... per stream and worker instance) when it is queued, so the worker can
// detect loss and reordering. A full queue means the worker is not keeping up: send_frame waits up
// to its deadline and then reports Full — it never drops silently.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "worker_pipe/decode_request.h"
#include "worker_pipe/send_result.h"

namespace vs {

class SinkQueue;  // shared with the writer thread; defined in worker_pipe/sink_queue.h (private)

class AudioSink {
 public:
  explicit AudioSink(std::shared_ptr<SinkQueue> queue);

  // Queues one frame of s16le mono PCM at 16 kHz (normally 160 samples). Waits for room until
  // `deadline`. Returns the frame's seq through `seq_out` when Ok; a Full or Closed send uses no
  // seq. A frame too long for one protocol line (~390k samples at the 1 MiB limit) throws
  // std::invalid_argument.
  SendResult send_frame(std::string_view stream, std::span<const int16_t> pcm,
                        std::chrono::steady_clock::time_point deadline, uint64_t* seq_out = nullptr);
  SendResult try_send_frame(std::string_view stream, std::span<const int16_t> pcm, uint64_t* seq_out = nullptr);

  // Control messages jump the frame queue (they are small and rare). They never wait: Full
  // means 16 control lines are already waiting for a writer that is stuck.
  SendResult send_ping(const std::string& id);
  SendResult send_shutdown();
  // Ends `stream`: the worker finishes its utterance and acknowledges everything. Full also
  // while frames of the stream are still queued (the flush must follow them): try again.
  SendResult send_flush(std::string_view stream = {});
  // How `stream` is decoded (its stream_options line): sent before the stream's first frame on
  // each worker instance, so it jumps no frame of its own. Never waits, like the other controls.
  SendResult send_stream_options(std::string_view stream, const DecodeRequest& request);

  // The seq the stream's next frame will get (its sender knows which frame that is).
  uint64_t next_seq(std::string_view stream = {}) const;
  size_t queued_frames() const;
  size_t capacity_frames() const;

 private:
  std::shared_ptr<SinkQueue> queue_;
};

}  // namespace vs
