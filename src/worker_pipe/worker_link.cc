#include "worker_pipe/worker_link.h"

#include <algorithm>

namespace vs {

void WorkerLinkState::on_ack(const WorkerMessage& ack) {
  const int64_t seq = ack.ack_seq();
  int64_t seen = acked_.load(std::memory_order_relaxed);
  while (seq > seen && !acked_.compare_exchange_weak(seen, seq, std::memory_order_release)) {
  }
  if (const auto received = ack.ack_received()) received_.store(*received, std::memory_order_relaxed);
}

void WorkerLinkState::set_timeline(int64_t offset_ms, std::string recording) {
  {
    std::lock_guard lock(recording_mu_);
    recording_ = std::make_shared<const std::string>(std::move(recording));
  }
  offset_ms_.store(offset_ms, std::memory_order_relaxed);
  timeline_.store(true, std::memory_order_release);
}

void WorkerLinkState::clear_timeline() { timeline_.store(false, std::memory_order_release); }

std::shared_ptr<const nlohmann::json> WorkerLinkState::on_timeline(const WorkerMessage& msg) const {
  if (!timeline_.load(std::memory_order_acquire)) return msg.body;
  // The instance's own traffic, not the recording's (and acks are the most frequent line).
  if (msg.type == WorkerMessageType::Ack || msg.type == WorkerMessageType::Pong ||
      msg.type == WorkerMessageType::Ready || !msg.body->is_object()) {
    return msg.body;
  }
  static constexpr const char* kTimeFields[] = {"audio_ms", "start_ms", "end_ms"};
  const int64_t offset = offset_ms_.load(std::memory_order_relaxed);
  std::shared_ptr<const std::string> recording;
  {
    std::lock_guard lock(recording_mu_);
    recording = recording_;
  }
  auto moved = std::make_shared<nlohmann::json>(*msg.body);
  if (recording && !recording->empty()) (*moved)["recording"] = *recording;
  for (const char* k : kTimeFields) {
    const auto it = moved->find(k);
    if (it != moved->end() && it->is_number_integer()) *it = it->get<int64_t>() + offset;
  }
  return moved;
}

}  // namespace vs
