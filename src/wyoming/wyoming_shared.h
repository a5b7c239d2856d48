// What a WyomingServer's sessions share: the daemon's recorder and bus, the model description,
// and the registry of open sessions (so stop() can
// close them all, and admit() can evict the longest-idle one). Held by shared_ptr by the server and every session, so a late completion
// never finds it gone. Internal to src/wyoming: includes Asio.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "wyoming/wyoming_server.h"

namespace vs {

class WyomingSession;

struct WyomingShared {
  static constexpr size_t kMaxConnections = 64;  // Home Assistant opens one per pipeline run

  explicit WyomingShared(WyomingContext c) : context(std::move(c)) {}

  WyomingContext context;
  std::atomic<bool> stopping{false};

  // Posts `h` to `ex` unless the server is stopping (its io_contexts may be going away).
  template <class Executor, class Handler>
  void post(const Executor& ex, Handler&& h) {
    if (!stopping.load()) boost::asio::post(ex, std::forward<Handler>(h));
  }

  // Registers `s`. When kMaxConnections are open, the connection idle the longest (outside a
  // transcription, nothing to read or write) makes room and is returned, to be closed on its
  // thread; with none idle, `s` is refused (false).
  bool admit(const std::shared_ptr<WyomingSession>& s, std::shared_ptr<WyomingSession>& evicted);
  void forget(const WyomingSession* s) {
    std::shared_ptr<WyomingSession> last;  // released outside the lock
    std::lock_guard lock(mu);
    for (auto it = sessions.begin(); it != sessions.end(); ++it) {
      if (it->get() == s) {
        last = std::move(*it);
        sessions.erase(it);
        return;
      }
    }
  }
  std::list<std::shared_ptr<WyomingSession>> all() const {
    std::lock_guard lock(mu);
    return sessions;
  }
  size_t count() const {
    std::lock_guard lock(mu);
    return sessions.size();
  }

 private:
  mutable std::mutex mu;
  std::list<std::shared_ptr<WyomingSession>> sessions;
};

}  // namespace vs
