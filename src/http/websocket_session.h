// WebSocketSession is an upload route reached by a WebSocket upgrade, on the connection a
// Session handed over after reading the upgrade request. Browsers cannot stream a request body
// over HTTP/1.1 (Chromium's streaming fetch needs HTTP/2), so the dashboard's microphone sends
// its PCM as binary messages instead; the UploadFeed, the receiver, the ring, the overflow stop
// and the replay are the same as for POST /v1/audio.
//
// The conversation: the client offers the subprotocol "voice-sidecar.audio.v1" (and its token as
// "bearer.<base64url>"), sends binary PCM messages, then the text {"type":"end"}; the daemon
// answers with one text message, the JSON POST /v1/audio would answer, and closes with 1000.
// A request the route refuses (busy, no worker, no token) is upgraded anyway so that a page can
// read why: one text message {"error","status"} and the close code 4000 + status. (A foreign
// Origin or a path that takes no upload gets its HTTP refusal from the Session, no upgrade.)
//
//   auto ws = std::make_shared<WebSocketSession>(stream.release_socket(), core);
//   hand_over(ws);              // in the Session: it takes the Session's place in the registry
//   ws->start(parser.release(), router.open_upload(request));
//
// On the connection's I/O thread. Internal to src/http: includes Beast.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "http/connection.h"
#include "http/server_core.h"
#include "http/upload_feed.h"

namespace vs {

class WebSocketSession : public Connection,
                         public UploadFeed::Source,
                         public std::enable_shared_from_this<WebSocketSession> {
 public:
  using Protocol = boost::asio::generic::stream_protocol;
  using Upgrade = boost::beast::http::request<boost::beast::http::empty_body>;

  WebSocketSession(Protocol::socket socket, ServerCore& core);

  // Accepts `upgrade`, then reads audio into the receiver `start` holds, or tells its refusal.
  void start(Upgrade upgrade, UploadStart start);

 private:
  void shut() override;
  void interrupt() override;
  void answer(HttpReply reply) override;

  // `first_message` (with `close_code`) is a refusal to send right after the handshake; empty
  // for a conversation that goes on to read audio.
  void accept(std::string first_message, int close_code);
  void read_message();
  void idle_deadline(bool on);
  void on_message(boost::beast::error_code ec);
  void send(std::string text, int close_code);

  // UploadFeed::Source
  bool live() const override { return !closed(); }
  void read_more() override { read_message(); }
  void body_ended(bool) override {}
  Respond responder() override { return responder_for(weak_from_this()); }
  void await_answer() override {}  // no read is pending now: the answer's write finds a client gone

  boost::beast::websocket::stream<boost::beast::basic_stream<Protocol>> ws_;
  Upgrade upgrade_;
  boost::beast::flat_buffer message_;
  std::string out_;
  std::string misuse_;  // why the client's conversation was refused, told in the last message
  std::optional<UploadFeed> upload_;
};

}  // namespace vs
