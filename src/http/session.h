// Session is one HTTP connection, on one I/O thread, from accept to close: it reads a request,
// hands it to the Router and writes the answer — at once for a quick route, when the route's
// Respond is called for a slow one — and then reads the next request on the same connection.
// An upload's body is handed to its receiver as it arrives; a streaming reply (SSE) is written
// whenever its body has something and the client has taken the last write, and the session
// keeps reading the socket meanwhile, so a client that closes is gone at once. A WebSocket
// upgrade to an upload route (the browser's microphone) is an upload whose body comes as
// binary messages (session_websocket.cc).
//
// Nothing here blocks or waits on a thread: every step is a completion on the session's
// io_context. Internal to src/http: includes Beast.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "http/server_core.h"

namespace vs {

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Protocol = boost::asio::generic::stream_protocol;

  Session(Protocol::socket socket, ServerCore& core);

  void start();
  // Closes the connection and leaves the registry; safe to call more than once. Session thread.
  void close();
  // Ends the connection to make room for another (ServerCore::admit): whatever is pending fails
  // as if the client had gone, so an upload still finishes its recording. Session thread.
  void evict();

  // What the session does now, and since when (any thread; for the connection policy).
  ConnKind kind() const { return kind_.load(std::memory_order_relaxed); }
  std::chrono::steady_clock::time_point since() const {
    return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(since_.load()));
  }
  const boost::asio::any_io_executor& executor() const { return executor_; }

 private:
  using Stream = boost::beast::basic_stream<Protocol>;

  void read_request();
  void gather_head();  // until the whole head is buffered; refuses what strict_head.h refuses
  void parse_head();
  void on_header(boost::beast::error_code ec);
  void on_body(boost::beast::error_code ec);
  void dispatch(const HttpRequest& request);
  Respond responder();
  void answer(HttpReply reply);
  void write_reply(const HttpReply& reply, bool keep_alive);

  UploadStart open_upload(const HttpRequest& request);
  void start_upload(HttpRequest request);
  void read_upload_chunk();
  void on_upload_chunk(boost::beast::error_code ec);
  void pause_upload();
  void end_upload(bool complete);
  void conclude_upload(bool complete);
  void watch_while_waiting();  // notices a client that leaves before its answer
  void abandon_work();          // tells the route nobody waits for its answer any more

  void start_stream(HttpReply reply);
  void watch_for_close();
  void pump_stream();
  void write_stream(std::string text);
  void arm_keepalive();

  void read_body_more();  // the next chunk of an upload: HTTP body or WebSocket message

  struct WebSocket;  // session_websocket.cc: keeps Beast's WebSocket out of this header
  void start_websocket(HttpRequest request);
  void accept_websocket(std::string first_message, int close_code);
  void read_message();
  void ws_idle_deadline(bool on);
  void on_message(boost::beast::error_code ec);
  void send_websocket(std::string text, int close_code);

  // Moves the session to `kind` in the core's counts; for a long-lived kind the core may refuse:
  // then the 503 sentence, and the kind is unchanged.
  std::string set_kind(ConnKind kind);

  friend struct ServerCore;  // sets admitted_
  Stream stream_;
  ServerCore& core_;
  const boost::asio::any_io_executor executor_;
  std::atomic<ConnKind> kind_{ConnKind::Idle};
  std::atomic<int64_t> since_;
  bool admitted_ = false;  // counted by the core: close() takes it out again
  bool closed_ = false;

  boost::beast::flat_buffer buffer_;
  size_t head_scanned_ = 0;  // bytes of buffer_ searched for the head's end so far
  std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> head_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<boost::beast::http::response<boost::beast::http::string_body>> response_;
  unsigned version_ = 11;
  bool keep_alive_ = false;

  // upload
  std::optional<boost::beast::http::request_parser<boost::beast::http::buffer_body>> upload_;
  std::unique_ptr<UploadReceiver> receiver_;
  std::unique_ptr<std::array<char, 16 * 1024>> chunk_;
  std::optional<boost::asio::steady_timer> retry_;
  bool awaiting_answer_ = false;   // the receiver has finished the body; its answer is to come
  bool watching_ = false;          // a read is pending only to notice the client leave
  bool read_after_watch_ = false;  // the answer is written: the next request follows the watch

  std::shared_ptr<WebSocket> ws_;  // shared: its type is complete only in session_websocket.cc

  // streaming reply
  std::shared_ptr<ReplyStream> body_;
  std::string out_;
  bool writing_ = false;
  bool stream_ended_ = false;  // the body said End: nothing to abandon
  bool keepalive_due_ = false;
  std::optional<boost::asio::steady_timer> keepalive_;
  std::array<char, 512> discard_{};
};

}  // namespace vs
