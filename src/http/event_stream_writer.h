// EventStreamWriter writes a streaming reply (the SSE of GET /v1/events and of a streamed
// transcription) on a connection a Session handed over once the route answered with a
// ReplyStream. It writes the head, then whatever the body has (up to 16 KiB a write) whenever
// the client has taken the last write, asks the body to wake it when there is nothing, and says
// ": keepalive" after a second of silence. A read stays pending all along, so a client that
// closes is gone at once and the body is abandoned (a transcription behind it stops); a client
// that takes nothing for 10 s is cut off. The stream ends by closing the connection.
//
//   auto writer = std::make_shared<EventStreamWriter>(stream.release_socket(), core, reply.stream);
//   hand_over(writer);          // in the Session: the writer takes its place in the registry
//   writer->start(std::move(head));
//
// On the connection's I/O thread. Internal to src/http: includes Beast.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "http/connection.h"
#include "http/server_core.h"

namespace vs {

class EventStreamWriter : public Connection, public std::enable_shared_from_this<EventStreamWriter> {
 public:
  using Protocol = boost::asio::generic::stream_protocol;
  using Head = boost::beast::http::response<boost::beast::http::empty_body>;

  EventStreamWriter(Protocol::socket socket, ServerCore& core, std::shared_ptr<ReplyStream> body);

  // Writes `head` (status and headers, no length) and then the body until it ends or the client goes.
  void start(Head head);

 private:
  void shut() override;
  void interrupt() override;

  void watch_for_close();
  void pump();
  void write(std::string text);
  void arm_keepalive();

  boost::beast::basic_stream<Protocol> stream_;
  std::shared_ptr<ReplyStream> body_;
  Head head_;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::empty_body>> serializer_;
  std::string out_;
  bool writing_ = false;
  bool ended_ = false;  // the body said End: nothing to abandon
  bool keepalive_due_ = false;
  boost::asio::steady_timer keepalive_;
  std::array<char, 512> discard_{};
};

}  // namespace vs
