// AcceptLoop takes connections off a listening socket (TCP or Unix) and hands each one, already
// placed on the io_context it will live on, to `on_accept` — the one accept loop of the HTTP and
// the Wyoming listeners. A failed accept (out of descriptors) is retried after a short pause
// instead of spinning on the readable listener. close() ends it on the acceptor's own thread and
// then runs `after`, so every connection accepted before the close has been handed on by then.
//
//   auto loop = AcceptLoop::start(socket, home_io, [&]() -> io_context& { return next(); },
//                                 [](Socket s) { ... admit a session ... });
//   loop->close([] { ... close every session ... });
//
// Internal to src/http and src/wyoming: includes Asio.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>

#include "http/listen_socket.h"

namespace vs {

class AcceptLoop : public std::enable_shared_from_this<AcceptLoop> {
 public:
  using Protocol = boost::asio::generic::stream_protocol;
  using NextIo = std::function<boost::asio::io_context&()>;
  using OnAccept = std::function<void(Protocol::socket)>;

  // Takes over socket.fd (the ListenSocket keeps its address, for removing a Unix socket file).
  // `what` names the listener in log lines.
  static std::shared_ptr<AcceptLoop> start(ListenSocket& socket, boost::asio::io_context& home, NextIo next_io,
                                           OnAccept on_accept, std::string what);
  void close(std::function<void()> after);

  AcceptLoop(boost::asio::io_context& home, NextIo next_io, OnAccept on_accept, std::string what);

 private:
  void accept_next();

  boost::asio::basic_socket_acceptor<Protocol> acceptor_;
  NextIo next_io_;
  OnAccept on_accept_;
  std::string what_;
  bool closed_ = false;  // acceptor's thread only
};

}  // namespace vs
