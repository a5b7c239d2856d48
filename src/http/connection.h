// Connection is what ServerCore knows of one accepted socket, whichever object serves it now: an
// HTTP Session reading requests, a WebSocketSession taking audio messages, an EventStreamWriter
// writing an event stream. The core's registry holds it for the connection policy (its ConnKind
// and since when) and for shutdown; the I/O is the derived class's.
//
// The socket changes owner at most once: a Session that upgrades or starts a streaming reply
// moves its socket into the new object and calls hand_over(next), which passes its place in the
// registry (kind, since, admission) on to `next`. From then on close() and evict() on the old
// object reach `next`, so an eviction or a shutdown that picked the old one just before the
// hand-over still lands on whoever has the socket.
//
//   class Session : public Connection, public std::enable_shared_from_this<Session> { ... };
//   auto ws = std::make_shared<WebSocketSession>(stream_.release_socket(), core_);
//   hand_over(ws);
//   ws->start(...);
//
// Everything but kind()/since()/executor() runs on the connection's own I/O thread. Internal to
// src/http: includes Asio.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "http/connection_policy.h"
#include "http/http_types.h"

namespace vs {

struct ServerCore;

// A client that takes nothing written to it for this long is cut off.
inline constexpr std::chrono::seconds kWriteTimeout{10};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Closes the connection and leaves the registry; safe to call more than once.
  void close();
  // Ends the connection to make room for another (ServerCore::admit): whatever is pending fails
  // as if the client had gone, so an upload still finishes its recording.
  void evict();

  // What the connection does now, and since when (any thread; for the connection policy).
  ConnKind kind() const { return kind_.load(std::memory_order_relaxed); }
  std::chrono::steady_clock::time_point since() const {
    return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(since_.load()));
  }
  const boost::asio::any_io_executor& executor() const { return executor_; }

 protected:
  Connection(ServerCore& core, boost::asio::any_io_executor executor);

  bool closed() const { return closed_; }
  // Moves the connection to `kind` in the core's counts; for a long-lived kind the core may
  // refuse: then the 503 sentence, and the kind is unchanged.
  std::string set_kind(ConnKind kind);
  // `next` has taken this connection's socket: it takes its place in the registry too, and
  // this object is done (closed() is true; close() and evict() go to `next`).
  void hand_over(const std::shared_ptr<Connection>& next);
  // A Respond that runs answer() on this connection's thread, once, if `self` is still there.
  Respond responder_for(std::weak_ptr<Connection> self);

  // close(): stop the work nobody will wait for, close the socket, cancel the timers.
  virtual void shut() = 0;
  // evict(): make whatever is pending fail now, as if the client had gone.
  virtual void interrupt() = 0;
  // A route's answer, through responder_for().
  virtual void answer(HttpReply) {}

  ServerCore& core_;

 private:
  friend struct ServerCore;  // sets admitted_
  const boost::asio::any_io_executor executor_;
  std::atomic<ConnKind> kind_{ConnKind::Idle};
  std::atomic<int64_t> since_;
  bool admitted_ = false;  // counted by the core: close() takes it out again
  bool closed_ = false;
  bool handed_over_ = false;
  std::weak_ptr<Connection> next_;  // who has the socket after hand_over()
};

}  // namespace vs
