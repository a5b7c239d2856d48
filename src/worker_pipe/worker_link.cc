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

void WorkerLinkState::set_timeline_offset(int64_t offset_ms) {
  offset_ms_.store(offset_ms, std::memory_order_relaxed);
  timeline_.store(true, std::memory_order_release);
}

void WorkerLinkState::clear_timeline() { timeline_.store(false, std::memory_order_release); }

std::shared_ptr<const nlohmann::json> WorkerLinkState::on_timeline(const WorkerMessage& msg) const {
  if (!timeline_.load(std::memory_order_acquire)) return msg.body;
  static constexpr const char* kTimeFields[] = {"audio_ms", "start_ms", "end_ms"};
  const bool has_time = std::any_of(std::begin(kTimeFields), std::end(kTimeFields), [&](const char* k) {
    const auto it = msg.body->find(k);
    return it != msg.body->end() && it->is_number_integer();
  });
  if (!has_time) return msg.body;
  const int64_t offset = offset_ms_.load(std::memory_order_relaxed);
  auto moved = std::make_shared<nlohmann::json>(*msg.body);
  for (const char* k : kTimeFields) {
    const auto it = moved->find(k);
    if (it != moved->end() && it->is_number_integer()) *it = it->get<int64_t>() + offset;
  }
  return moved;
}

}  // namespace vs
