#include "worker_pipe/worker_link.h"

#include <algorithm>

namespace vs {
namespace {

// Moves the times of one object (an event, or one of a final's words) by `offset_ms`.
void move_times(nlohmann::json& body, int64_t offset_ms) {
  static constexpr const char* kTimeFields[] = {"audio_ms", "start_ms", "end_ms"};
  for (const char* k : kTimeFields) {
    const auto it = body.find(k);
    if (it != body.end() && it->is_number_integer()) *it = it->get<int64_t>() + offset_ms;
  }
}

}  // namespace

void WorkerLinkState::on_ready(const WorkerMessage& ready) {
  protocol_.store(ready.protocol(), std::memory_order_release);
}

void WorkerLinkState::on_ack(const WorkerMessage& ack) {
  const int64_t seq = ack.ack_seq();
  const auto received = ack.ack_received();
  std::lock_guard lock(mu_);
  // Only a stream a pump set up: a late ack of a finished one must not bring it back.
  const auto it = streams_.find(ack.stream());
  if (it == streams_.end()) return;
  it->second.acked = std::max(it->second.acked, seq);
  if (received) it->second.received = *received;
}

int64_t WorkerLinkState::acked(const std::string& stream) const {
  std::lock_guard lock(mu_);
  const auto it = streams_.find(stream);
  return it == streams_.end() ? -1 : it->second.acked;
}

uint64_t WorkerLinkState::worker_received(const std::string& stream) const {
  std::lock_guard lock(mu_);
  const auto it = streams_.find(stream);
  return it == streams_.end() ? 0 : it->second.received;
}

void WorkerLinkState::set_timeline(const std::string& stream, int64_t offset_ms, std::string recording) {
  std::lock_guard lock(mu_);
  Stream& s = streams_[stream];
  s.timeline = true;
  s.offset_ms = offset_ms;
  s.recording = std::move(recording);
}

void WorkerLinkState::clear_timeline(const std::string& stream) {
  std::lock_guard lock(mu_);
  streams_.erase(stream);
}

bool WorkerLinkState::feeding_recording() const {
  std::lock_guard lock(mu_);
  for (const auto& [id, s] : streams_) {
    if (s.timeline) return true;
  }
  return false;
}

std::shared_ptr<const nlohmann::json> WorkerLinkState::on_timeline(const WorkerMessage& msg) const {
  // The instance's own traffic, not a recording's (and acks are the most frequent line).
  if (msg.type == WorkerMessageType::Ack || msg.type == WorkerMessageType::Pong ||
      msg.type == WorkerMessageType::Ready || !msg.body->is_object()) {
    return msg.body;
  }
  int64_t offset = 0;
  std::string recording;
  {
    std::lock_guard lock(mu_);
    const auto it = streams_.find(msg.stream());
    if (it == streams_.end() || !it->second.timeline) return msg.body;
    offset = it->second.offset_ms;
    recording = it->second.recording;
  }
  auto moved = std::make_shared<nlohmann::json>(*msg.body);
  if (!recording.empty()) (*moved)["recording"] = std::move(recording);
  move_times(*moved, offset);
  // A final's word timings are on the same stream time as its span: a replayed utterance keeps them.
  if (const auto words = moved->find("words"); words != moved->end() && words->is_array()) {
    for (auto& word : *words) {
      if (word.is_object()) move_times(word, offset);
    }
  }
  return moved;
}

}  // namespace vs
