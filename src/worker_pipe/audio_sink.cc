#include "worker_pipe/audio_sink.h"

#include "worker_pipe/sink_queue.h"
#include "worker_pipe/wire_messages.h"

namespace vs {

AudioSink::AudioSink(std::shared_ptr<SinkQueue> queue) : queue_(std::move(queue)) {}

SendResult AudioSink::send_frame(std::span<const int16_t> pcm,
                                 std::chrono::steady_clock::time_point deadline,
                                 uint64_t* seq_out) {
  return queue_->push_frame(pcm, deadline, seq_out);
}

SendResult AudioSink::try_send_frame(std::span<const int16_t> pcm, uint64_t* seq_out) {
  return queue_->push_frame(pcm, std::nullopt, seq_out);
}

SendResult AudioSink::send_ping(const std::string& id) { return queue_->push_control(ping_line(id)); }
SendResult AudioSink::send_flush() { return queue_->push_control(flush_line()); }
SendResult AudioSink::send_shutdown() { return queue_->push_control(shutdown_line()); }

uint64_t AudioSink::next_seq() const { return queue_->next_seq(); }

size_t AudioSink::queued_frames() const { return queue_->depth(); }
size_t AudioSink::capacity_frames() const { return queue_->frame_capacity(); }

}  // namespace vs
