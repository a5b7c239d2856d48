#include "worker_pipe/audio_sink.h"

#include "worker_pipe/sink_queue.h"
#include "worker_pipe/wire_messages.h"

namespace vs {

AudioSink::AudioSink(std::shared_ptr<SinkQueue> queue) : queue_(std::move(queue)) {}

SendResult AudioSink::send_frame(std::string_view stream, std::span<const int16_t> pcm,
                                 std::chrono::steady_clock::time_point deadline, uint64_t* seq_out) {
  return queue_->push_frame(stream, pcm, deadline, seq_out);
}

SendResult AudioSink::try_send_frame(std::string_view stream, std::span<const int16_t> pcm, uint64_t* seq_out) {
  return queue_->push_frame(stream, pcm, std::nullopt, seq_out);
}

SendResult AudioSink::send_ping(const std::string& id) { return queue_->push_control(ping_line(id)); }
SendResult AudioSink::send_flush(std::string_view stream) {
  return queue_->push_stream_end(stream, flush_line(stream));
}
SendResult AudioSink::send_stream_options(std::string_view stream, const DecodeRequest& request) {
  return queue_->push_control(stream_options_line(stream, request));
}
SendResult AudioSink::send_shutdown() { return queue_->push_control(shutdown_line()); }

uint64_t AudioSink::next_seq(std::string_view stream) const { return queue_->next_seq(stream); }

size_t AudioSink::queued_frames() const { return queue_->depth(); }
size_t AudioSink::capacity_frames() const { return queue_->frame_capacity(); }

}  // namespace vs
