#include "http/server_core.h"

#include "http/session.h"

namespace vs {

ServerCore::ServerCore(const Router& r, const ListenConfig& c, size_t io_threads) : router(r), config(c) {
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
    if (sessions_.size() >= kMaxConnections) {
      // The longest wait for a request: a client that holds a slot without asking anything.
      auto oldest = sessions_.end();
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        if ((*it)->phase() != Session::Phase::AwaitingRequest) continue;
        if (oldest == sessions_.end() || (*it)->waiting_since() < (*oldest)->waiting_since()) oldest = it;
      }
      if (oldest == sessions_.end()) return false;
      // Out of the registry now, so the slot is free at once and no later admit picks it again.
      evicted = std::move(*oldest);
      sessions_.erase(oldest);
    }
    sessions_.push_back(session);
  }
  if (evicted) boost::asio::post(evicted->executor(), [evicted] { evicted->close(); });
  return true;
}

void ServerCore::forget(const Session* session) {
  std::shared_ptr<Session> last;  // released outside the lock
  std::lock_guard lock(sessions_mu_);
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
