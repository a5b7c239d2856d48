// ServerCore is what an HttpServer's connections share: one io_context per I/O thread (one per
// core, each connection lives on one of them and never changes thread), the registry of open
// connections (connection.h: a Session, or the WebSocketSession or EventStreamWriter a Session
// handed its socket to) with what each is doing (its ConnKind) and the limits
// connection_policy.h applies to them, and the per-status response counts.
//
// Connections hold the core by reference: it outlives them, because HttpServer::stop() closes
// every connection and joins the I/O threads before the core can go. Anything that answers a
// connection from another thread (a supervisor completion, an event bus wake-up) holds the core
// by shared_ptr and the connection by weak_ptr, and posts to the connection's executor through
// post(), which does nothing once the server is stopping.
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
#include "http/connection_policy.h"
#include "http/router.h"

namespace vs {

class Connection;

struct ServerCore : std::enable_shared_from_this<ServerCore> {
  ServerCore(const Router& r, const ListenConfig& c, size_t io_threads, ConnectionLimits limits = {});

  const Router& router;
  const ListenConfig config;
  const ConnectionLimits limits;
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

  // ---- connections ----
  // Registers a new connection (as Idle). At the hard cap it first evicts the connection
  // pick_eviction() names; false when none may go: the caller refuses the connection.
  bool admit(const std::shared_ptr<Connection>& connection);
  // The connection now does `to` instead of `from`. For a long-lived kind the answer may be no:
  // the 503 sentence, and the connection stays what it was.
  std::string become(ConnKind from, ConnKind to);
  // `to` has taken over `from`'s socket, and its entry (Connection::hand_over). Nothing changes
  // when `from` was evicted already: `to` stays counted until it closes.
  void replace(const Connection* from, std::shared_ptr<Connection> to);
  // A closed connection leaves the registry and its kind's count.
  void forget(const Connection* connection, ConnKind kind);
  std::vector<std::shared_ptr<Connection>> open_connections() const;
  size_t connections() const;

  // ---- counters ----
  void count(int status) {
    if (status >= 0 && status < static_cast<int>(responses.size())) responses[status].fetch_add(1, std::memory_order_relaxed);
  }
  std::map<int, uint64_t> responses_by_status() const;

 private:
  mutable std::mutex mu_;
  std::list<std::shared_ptr<Connection>> connections_;
  ConnCounts counts_{};  // open connections by kind, evicted ones included until they close
  std::atomic<size_t> next_io_{0};
  std::array<std::atomic<uint64_t>, 600> responses{};
};

}  // namespace vs
