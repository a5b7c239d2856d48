#include "http/server_core.h"

#include "http/connection.h"

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

bool ServerCore::admit(const std::shared_ptr<Connection>& connection) {
  std::shared_ptr<Connection> evicted;
  {
    std::lock_guard lock(mu_);
    if (connections_.size() >= limits.max_connections) {
      std::vector<ConnView> open;
      std::vector<std::list<std::shared_ptr<Connection>>::iterator> at;
      open.reserve(connections_.size());
      at.reserve(connections_.size());
      for (auto it = connections_.begin(); it != connections_.end(); ++it) {
        open.push_back({(*it)->kind(), (*it)->since()});
        at.push_back(it);
      }
      const auto victim = pick_eviction(open);
      if (!victim) return false;
      // Out of the registry now, so the slot is free at once and no later admit picks it again.
      evicted = std::move(*at[*victim]);
      connections_.erase(at[*victim]);
    }
    connections_.push_back(connection);
    ++counts_[static_cast<size_t>(ConnKind::Idle)];
    connection->admitted_ = true;
  }
  if (evicted) boost::asio::post(evicted->executor(), [evicted] { evicted->evict(); });
  return true;
}

std::string ServerCore::become(ConnKind from, ConnKind to) {
  std::lock_guard lock(mu_);
  ConnCounts others = counts_;
  --others[static_cast<size_t>(from)];
  if (from != to) {
    if (std::string why = refuse_kind(others, to, limits); !why.empty()) return why;
  }
  --counts_[static_cast<size_t>(from)];
  ++counts_[static_cast<size_t>(to)];
  return {};
}

void ServerCore::replace(const Connection* from, std::shared_ptr<Connection> to) {
  std::shared_ptr<Connection> last;  // released outside the lock
  std::lock_guard lock(mu_);
  for (auto& entry : connections_) {
    if (entry.get() == from) {
      last = std::exchange(entry, std::move(to));
      return;
    }
  }
}

void ServerCore::forget(const Connection* connection, ConnKind kind) {
  std::shared_ptr<Connection> last;  // released outside the lock
  std::lock_guard lock(mu_);
  --counts_[static_cast<size_t>(kind)];
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (it->get() == connection) {
      last = std::move(*it);
      connections_.erase(it);
      return;
    }
  }
}

std::vector<std::shared_ptr<Connection>> ServerCore::open_connections() const {
  std::lock_guard lock(mu_);
  return {connections_.begin(), connections_.end()};
}

size_t ServerCore::connections() const {
  std::lock_guard lock(mu_);
  return connections_.size();
}

std::map<int, uint64_t> ServerCore::responses_by_status() const {
  std::map<int, uint64_t> out;
  for (size_t status = 0; status < responses.size(); ++status) {
    if (const uint64_t n = responses[status].load(std::memory_order_relaxed)) out[static_cast<int>(status)] = n;
  }
  return out;
}

}  // namespace vs
