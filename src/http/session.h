// Session is one HTTP connection, on one I/O thread, from accept until it closes or hands its
// socket on: it reads a request head (checked as sent: strict_head.h), hands the request to the
// Router and writes the answer — at once for a quick route, when the route's Respond is called
// for a slow one — and then reads the next request on the same connection. An upload route's
// body is handed to its receiver as it arrives (UploadFeed), and while the answer is still to
// come a read stays pending, so a client that leaves is noticed and its work abandoned.
//
// Two answers end the HTTP conversation, and the socket moves (never shared) to an object of
// its own, which takes the session's place in ServerCore's registry (Connection::hand_over):
//   - a WebSocket upgrade to an upload route → WebSocketSession (the browser's microphone);
//   - a reply with a ReplyStream (SSE) → EventStreamWriter.
// The session reports what it does (ConnKind) to the core's connection policy, which may
// refuse an upload, a stream or a WebSocket (503) and may evict the session.
//
//   auto session = std::make_shared<Session>(std::move(socket), core);
//   if (core.admit(session)) post(session->executor(), [session] { session->start(); });
//
// Nothing here blocks or waits on a thread: every step is a completion on the session's
// io_context. Internal to src/http: includes Beast.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "http/connection.h"
#include "http/server_core.h"
#include "http/upload_feed.h"

namespace vs {

class Session : public Connection, public UploadFeed::Source, public std::enable_shared_from_this<Session> {
 public:
  using Protocol = boost::asio::generic::stream_protocol;

  Session(Protocol::socket socket, ServerCore& core);

  void start();

 private:
  using Stream = boost::beast::basic_stream<Protocol>;

  void shut() override;
  void interrupt() override;
  void answer(HttpReply reply) override;

  void read_request();
  void gather_head();  // until the whole head is buffered; refuses what strict_head.h refuses
  void parse_head();
  void on_header(boost::beast::error_code ec);
  void on_body(boost::beast::error_code ec);
  void dispatch(const HttpRequest& request);
  void write_reply(const HttpReply& reply, bool keep_alive);

  // upload: the body read chunk by chunk and fed to the route's receiver
  UploadStart open_upload(const HttpRequest& request);
  void start_upload(HttpRequest request);
  void read_upload_chunk();
  void on_upload_chunk(boost::beast::error_code ec);
  void watch_while_waiting();  // notices a client that leaves before its answer
  // UploadFeed::Source
  bool live() const override { return !closed(); }
  void read_more() override { read_upload_chunk(); }
  void body_ended(bool complete) override;
  Respond responder() override { return responder_for(weak_from_this()); }
  void await_answer() override { watch_while_waiting(); }

  // the hand-overs
  void start_websocket(HttpRequest request);
  void start_stream(HttpReply reply);
  void hand_to_writer(HttpReply reply);

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  size_t head_scanned_ = 0;  // bytes of buffer_ searched for the head's end so far
  std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> head_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<boost::beast::http::response<boost::beast::http::string_body>> response_;
  unsigned version_ = 11;
  bool keep_alive_ = false;

  // upload
  std::optional<boost::beast::http::request_parser<boost::beast::http::buffer_body>> upload_parser_;
  std::unique_ptr<std::array<char, 16 * 1024>> chunk_;
  std::optional<UploadFeed> upload_;
  bool watching_ = false;          // a read is pending only to notice the client leave
  bool read_after_watch_ = false;  // the answer is written: the next request follows the watch
  std::optional<HttpReply> stream_after_watch_;  // a streamed answer: handed on once the watch ends
};

}  // namespace vs
