#include "http/server_core.h"

#include "http/session.h"

namespace vs {

ServerCore::ServerCore(const Router& r, const ListenConfig& c, size_t io_threads, ConnectionLimits l)
    : router(r), config(c), limits(l) {
  for (size_t i = 0; i < std::max<size_t>(1, io_threads); ++i) {
    ios.push_back(std::make_unique<boost::asio::io_context>(1));
    keep_running.push_back(boost::asio::make_work_guard(*ios.back()));
  }
}

boost::asio::io_context& ServerCore::next_io() {
  return *ios[next_io_.fetch_add(1, std::memory_order_relaxed) % ios.size()];
}

bool ServerCore::admit(const std::shared_ptr<Session>& session) {
  std::shared_ptr<Session> evicted;
  {
    std::lock_guard lock(sessions_mu_);
    if (sessions_.size() >= limits.max_connections) {
      std::vector<ConnView> open;
      std::vector<std::list<std::shared_ptr<Session>>::iterator> at;
      open.reserve(sessions_.size());
      at.reserve(sessions_.size());
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        open.push_back({(*it)->kind(), (*it)->since()});
        at.push_back(it);
      }
      const auto victim = pick_eviction(open);
      if (!victim) return false;
      // Out of the registry now, so the slot is free at once and no later admit picks it again.
      evicted = std::move(*at[*victim]);
      sessions_.erase(at[*victim]);
    }
    sessions_.push_back(session);
    ++counts_[static_cast<size_t>(ConnKind::Idle)];
    session->admitted_ = true;
  }
  if (evicted) boost::asio::post(evicted->executor(), [evicted] { evicted->evict(); });
  return true;
}

std::string ServerCore::become(ConnKind from, ConnKind to) {
  std::lock_guard lock(sessions_mu_);
  ConnCounts others = counts_;
  --others[static_cast<size_t>(from)];
  if (from != to) {
    if (std::string why = refuse_kind(others, to, limits); !why.empty()) return why;
  }
  --counts_[static_cast<size_t>(from)];
  ++counts_[static_cast<size_t>(to)];
  return {};
}

void ServerCore::forget(const Session* session, ConnKind kind) {
  std::shared_ptr<Session> last;  // released outside the lock
  std::lock_guard lock(sessions_mu_);
  --counts_[static_cast<size_t>(kind)];
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->get() == session) {
      last = std::move(*it);
      sessions_.erase(it);
      return;
    }
  }
}

std::vector<std::shared_ptr<Session>> ServerCore::sessions() const {
  std::lock_guard lock(sessions_mu_);
  return {sessions_.begin(), sessions_.end()};
}

size_t ServerCore::connections() const {
  std::lock_guard lock(sessions_mu_);
  return sessions_.size();
}

std::map<int, uint64_t> ServerCore::responses_by_status() const {
  std::map<int, uint64_t> out;
  for (size_t status = 0; status < responses.size(); ++status) {
    if (const uint64_t n = responses[status].load(std::memory_order_relaxed)) out[static_cast<int>(status)] = n;
  }
  return out;
}

}  // namespace vs
