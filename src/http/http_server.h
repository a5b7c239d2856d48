// HttpServer serves a Router on an already-bound listening socket (TCP or Unix), with Beast.
//
// One I/O thread per core, each running its own connections; nothing ever blocks one of them.
// Every read and write has a deadline, headers and JSON bodies have limits (413), and when every
// connection slot is taken the connection that has waited longest for a request is closed to
// make room, so health and control stay reachable. Slow routes answer later through a callback
// (control calls complete from the supervisor), event streams are written as the bus fills them
// and the client drains them: no thread per request or per stream (see src/http/session.h,
// event_stream_writer.h and websocket_session.h).
//
//   HttpServer server(open_listen_socket(cfg.listen), router, cfg.listen);
//   server.start();
//   ...
//   server.stop();   // stops accepting, closes every connection, joins the I/O threads
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "config/config.h"
#include "http/listen_socket.h"
#include "http/router.h"

namespace boost::asio {
class io_context;
}

namespace vs {

class HttpServer {
 public:
  HttpServer(ListenSocket socket, const Router& router, const ListenConfig& config);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  void stop();

  const ListenSocket& socket() const;
  std::map<int, uint64_t> responses_by_status() const;
  // One of the I/O threads' io_contexts, round robin: another listener (Wyoming) runs its
  // acceptor and connections on them instead of threads of its own. Valid until stop().
  boost::asio::io_context& next_io_context();

  // Runs `done` once every I/O thread has run a task posted to it now, on the last of them:
  // proof that none of them is wedged (the daemon's systemd watchdog). Never called after stop().
  void visit_io_threads(std::function<void()> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs
