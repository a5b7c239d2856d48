#include "http/event_stream_writer.h"

#include <boost/asio/write.hpp>

namespace vs {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

namespace {

constexpr auto kKeepalive = 1s;  // an idle event stream says so this often (clients count on it)
constexpr size_t kStreamWriteBytes = 16 * 1024;

}  // namespace

EventStreamWriter::EventStreamWriter(Protocol::socket socket, ServerCore& core, std::shared_ptr<ReplyStream> body)
    : Connection(core, socket.get_executor()), stream_(std::move(socket)), body_(std::move(body)),
      keepalive_(executor()) {}

void EventStreamWriter::start(Head head) {
  head_ = std::move(head);
  serializer_.emplace(head_);
  writing_ = true;
  stream_.expires_after(kWriteTimeout);
  http::async_write_header(stream_, *serializer_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->writing_ = false;
    if (ec) return self->close();
    self->watch_for_close();
    self->pump();
  });
}

void EventStreamWriter::shut() {
  if (!core_.stopping && !ended_) body_->abandon();  // the daemon's shutdown stops the work itself
  beast::error_code ignored;
  stream_.socket().shutdown(Protocol::socket::shutdown_both, ignored);
  stream_.close();
  keepalive_.cancel();
}

void EventStreamWriter::interrupt() {
  beast::error_code ignored;
  stream_.socket().shutdown(Protocol::socket::shutdown_both, ignored);
  stream_.socket().cancel(ignored);
  keepalive_.cancel();
}

// A client that closes its end makes this read complete: the stream ends at once instead of at
// its next write. Whatever a client sends on a stream is read and dropped.
void EventStreamWriter::watch_for_close() {
  if (closed()) return;
  stream_.expires_never();  // the reads of a stream have no deadline; each write has its own
  stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec) return self->close();
    self->watch_for_close();
  });
}

void EventStreamWriter::pump() {
  if (closed() || writing_) return;
  std::string text;
  switch (body_->pull(text, kStreamWriteBytes)) {
    case ReplyStream::Pull::End:
      ended_ = true;
      return close();
    case ReplyStream::Pull::Data:
      return write(std::move(text));
    case ReplyStream::Pull::Idle:
      break;
  }
  if (keepalive_due_) return write(": keepalive\n\n");
  const bool armed = body_->wake_when_ready([weak = weak_from_this(), core = core_.shared_from_this(), ex = executor()] {
    core->post(ex, [weak] {
      if (auto self = weak.lock()) self->pump();
    });
  });
  if (!armed) {  // something arrived between the pull and the request
    asio::post(executor(), [self = shared_from_this()] { self->pump(); });
    return;
  }
  arm_keepalive();
}

void EventStreamWriter::write(std::string text) {
  writing_ = true;
  keepalive_due_ = false;
  out_ = std::move(text);
  stream_.expires_after(kWriteTimeout);  // the pending read's deadline stays "never"
  asio::async_write(stream_, asio::buffer(out_), [self = shared_from_this()](beast::error_code ec, size_t) {
    self->writing_ = false;
    if (ec) return self->close();
    self->pump();
  });
}

void EventStreamWriter::arm_keepalive() {
  if (keepalive_.expiry() > std::chrono::steady_clock::now()) return;  // armed already
  keepalive_.expires_after(kKeepalive);
  keepalive_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed()) return;
    self->keepalive_due_ = true;
    self->pump();
  });
}

}  // namespace vs
