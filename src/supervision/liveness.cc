#include "supervision/liveness.h"

#include <algorithm>

namespace vs {

Liveness::Liveness(std::chrono::milliseconds interval, std::chrono::milliseconds timeout, int failure_limit)
    : interval_(std::max(interval, std::chrono::milliseconds(1))),
      timeout_(std::max(timeout, std::chrono::milliseconds(1))),
      failure_limit_(std::max(failure_limit, 1)) {}

void Liveness::reset(SteadyTime now) {
  next_ping_at_ = now + interval_;
  outstanding_.clear();
  failures_ = 0;
  last_pong_.reset();
}

std::optional<std::string> Liveness::due_ping(SteadyTime now) {
  if (now < next_ping_at_) return std::nullopt;
  // Ids are unique per Liveness (one per worker instance): a late pong from an earlier
  // instance can't be mistaken for this one's, because the actor resets us per instance and
  // drops events of old instances.
  std::string id = "ping-" + std::to_string(next_id_++);
  outstanding_.emplace_back(id, now);
  next_ping_at_ = now + interval_;
  return id;
}

bool Liveness::on_pong(const std::string& id, SteadyTime now) {
  auto it = std::find_if(outstanding_.begin(), outstanding_.end(),
                         [&](const auto& p) { return p.first == id; });
  if (it == outstanding_.end()) return false;
  outstanding_.erase(outstanding_.begin(), it + 1);
  failures_ = 0;
  last_pong_ = now;
  return true;
}

Liveness::Verdict Liveness::check(SteadyTime now) {
  bool missed = false;
  while (!outstanding_.empty() && now - outstanding_.front().second >= timeout_) {
    outstanding_.pop_front();
    ++failures_;
    missed = true;
  }
  if (failures_ >= failure_limit_) return Verdict::Hung;
  return missed ? Verdict::Missed : Verdict::Ok;
}

SteadyTime Liveness::next_deadline() const {
  SteadyTime t = next_ping_at_;
  if (!outstanding_.empty()) t = std::min(t, outstanding_.front().second + timeout_);
  return t;
}

}  // namespace vs
