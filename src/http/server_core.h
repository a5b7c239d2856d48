// ServerCore is what an HttpServer's sessions share: one io_context per I/O thread (one per core,
// each session lives on one of them and never changes thread), the registry of open sessions
// with the connection and stream limits, and the per-status response counts.
//
// Sessions hold the core by reference: it outlives them, because HttpServer::stop() closes every
// session and joins the I/O threads before the core can go. Anything that answers a session from
// another thread (a supervisor completion, an event bus wake-up) holds the core by shared_ptr and
// the session by weak_ptr, and posts to the session's executor through post(), which does nothing
// once the server is stopping.
//
// Internal to src/http: includes Asio.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "config/config.h"
#include "http/router.h"

namespace vs {

class Session;

struct ServerCore : std::enable_shared_from_this<ServerCore> {
  // Past this many open connections a new one evicts the connection that has waited longest for
  // a request head (an idle keep-alive or a slow client); only when none waits is it refused.
  static constexpr size_t kMaxConnections = 2048;
  static constexpr int kMaxStreams = 1024;  // concurrent GET /v1/events

  ServerCore(const Router& r, const ListenConfig& c, size_t io_threads);

  const Router& router;
  const ListenConfig config;
  std::atomic<bool> stopping{false};

  // ---- I/O threads ----
  std::vector<std::unique_ptr<boost::asio::io_context>> ios;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> keep_running;
  std::vector<std::thread> threads;
  boost::asio::io_context& next_io();  // round robin, for each accepted connection

  template <class Handler>
  void post(const boost::asio::any_io_executor& ex, Handler&& h) {
    if (!stopping.load(std::memory_order_relaxed)) boost::asio::post(ex, std::forward<Handler>(h));
  }

  // ---- sessions ----
  // Registers a new session, evicting the longest-waiting idle one when the server is full.
  // False when full of busy sessions: the caller refuses the connection.
  bool admit(const std::shared_ptr<Session>& session);
  void forget(const Session* session);
  std::vector<std::shared_ptr<Session>> sessions() const;
  size_t connections() const;
  std::atomic<int> streams{0};

  // ---- counters ----
  void count(int status) {
    if (status >= 0 && status < static_cast<int>(responses.size())) responses[status].fetch_add(1, std::memory_order_relaxed);
  }
  std::map<int, uint64_t> responses_by_status() const;

 private:
  mutable std::mutex sessions_mu_;
  std::list<std::shared_ptr<Session>> sessions_;
  std::atomic<size_t> next_io_{0};
  std::array<std::atomic<uint64_t>, 600> responses{};
};

}  // namespace vs
