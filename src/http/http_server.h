// HttpServer serves a Router on an already-bound listening socket (TCP or Unix), with Beast.
//
// One I/O thread parses requests and writes replies asynchronously, with a deadline on every
// read and write, a header limit and the body limit (413), and at most kMaxConnections open.
// Inline routes (health, gate, status, metrics) are answered on the I/O thread, so they stay
// quick whatever else is going on. Blocking routes run on a thread each, because control calls
// wait until the worker is ready or stopped; at most kMaxHandlers run at once (503 beyond).
// Streaming replies (SSE) write from their handler thread through the I/O thread, so a slow
// client only ever stalls its own stream.
//
//   HttpServer server(open_listen_socket(cfg.listen), router, cfg.listen);
//   server.start();
//   ...
//   server.stop();   // stops accepting, ends streams, waits for handlers, joins
#pragma once

#include <map>
#include <memory>

#include "config/config.h"
#include "http/listen_socket.h"
#include "http/router.h"

namespace vs {

class HttpServer {
 public:
  static constexpr int kMaxHandlers = 256;

  HttpServer(ListenSocket socket, const Router& router, const ListenConfig& config);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  void stop();

  const ListenSocket& socket() const;
  std::map<int, uint64_t> responses_by_status() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs
