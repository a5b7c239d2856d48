#include "http/session.h"

#include <sys/socket.h>

#include <variant>

#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "common/http_limits.h"
#include "common/version.h"
#include "http/beast_request.h"
#include "http/strict_head.h"

namespace vs {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

namespace {

constexpr auto kWriteTimeout = 10s;   // a client that takes nothing for this long is cut off
constexpr auto kKeepalive = 1s;       // an idle event stream says so this often (clients count on it)
constexpr auto kUploadRetry = 2ms;    // a paused upload asks its receiver again after this
constexpr unsigned kHeaderLimit = kRequestHeadLimit;
constexpr size_t kStreamWriteBytes = 16 * 1024;
// A connection's socket buffers little: an event stream's client that cannot keep up falls
// behind the bus's ring (and is told so with `lagged`) within seconds, instead of behind
// megabytes of kernel buffer it would take minutes to drain; 2,000 connections cannot pin
// gigabytes of it; and a client that pipelines requests and reads no answer stalls after a few
// answers instead of costing the server a hundred each (issue 16, S4).
constexpr int kSendBuffer = 64 * 1024;

const std::string kServer = std::string("voice-sidecar/") + kVersion;

template <class Response>
void set_headers(Response& res, const HttpReply& r) {
  res.set(http::field::server, kServer);
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.set(name, value);
}

// True when a read ended because the client went away or took too long: just close.
bool gone(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted;
}

// A 503 for a connection the policy will not let become an upload or a stream.
HttpReply busy_reply(const std::string& why) {
  HttpReply r = error_reply(503, why);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

int64_t now_ticks() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

}  // namespace

Session::Session(Protocol::socket socket, ServerCore& core)
    : stream_(std::move(socket)), core_(core), executor_(stream_.get_executor()), since_(now_ticks()) {}

void Session::start() {
  beast::error_code ignored;
  stream_.socket().set_option(asio::socket_base::send_buffer_size(kSendBuffer), ignored);
  read_request();
}

std::string Session::set_kind(ConnKind kind) {
  const ConnKind from = kind_.load(std::memory_order_relaxed);
  if (admitted_ && !closed_) {
    if (std::string why = core_.become(from, kind); !why.empty()) return why;
  }
  if (from != kind) since_.store(now_ticks(), std::memory_order_relaxed);
  kind_.store(kind, std::memory_order_relaxed);
  return {};
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  abandon_work();
  beast::error_code ignored;
  stream_.socket().shutdown(Protocol::socket::shutdown_both, ignored);
  stream_.close();
  if (retry_) retry_->cancel();
  if (keepalive_) keepalive_->cancel();
  // May drop the registry's reference; callers hold their own.
  if (admitted_) core_.forget(this, kind());
}

void Session::evict() {
  if (closed_) return;
  spdlog::debug("HTTP: connection evicted to make room for a new one");
  keep_alive_ = false;
  beast::error_code ignored;
  stream_.socket().shutdown(Protocol::socket::shutdown_both, ignored);
  stream_.socket().cancel(ignored);
  if (retry_) retry_->cancel();
  if (keepalive_) keepalive_->cancel();
}

// ---- request and reply ---------------------------------------------------------------------

void Session::read_request() {
  if (closed_) return;
  set_kind(ConnKind::Idle);
  head_.emplace();
  head_->header_limit(kHeaderLimit);
  head_->body_limit(boost::none);  // the route decides: a limit for JSON, none for an upload
  stream_.expires_after(std::chrono::milliseconds(core_.config.read_timeout_ms));
  head_scanned_ = 0;
  gather_head();
}

// Beast unfolds obsolete line folding without a trace and keeps no raw bytes, so the head is
// gathered whole first (Beast waits for all of it before parsing anyway), checked as the client
// sent it, and only then parsed, from the buffer.
void Session::gather_head() {
  const std::string_view have(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  const size_t end = have.find("\r\n\r\n", head_scanned_ > 3 ? head_scanned_ - 3 : 0);
  if (end == std::string_view::npos) {
    // Bytes that can never become a head (a bare LF, a TLS handshake) are answered now, not
    // when the read timeout ends the wait for a CRLF CRLF that will not come.
    if (auto refused = check_head_start(have, head_scanned_ > 0 ? head_scanned_ - 1 : 0)) {
      return write_reply(error_reply(refused->status, refused->message), false);
    }
  }
  head_scanned_ = have.size();
  if (end == std::string_view::npos && have.size() < kHeaderLimit) {
    stream_.async_read_some(buffer_.prepare(beast::read_size(buffer_, 65536)),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (self->closed_) return;
                              self->buffer_.commit(n);
                              if (!ec) return self->gather_head();
                              // Half a head and EOF: Beast's read reports it (400), as before.
                              if (ec == asio::error::eof && self->buffer_.size() > 0) return self->parse_head();
                              self->close();
                            });
    return;
  }
  if (end != std::string_view::npos && end + 4 <= kHeaderLimit) {
    if (auto refused = check_request_head(have.substr(0, end + 4))) {
      return write_reply(error_reply(refused->status, refused->message), false);
    }
  }
  parse_head();  // a head over the limit: Beast refuses it
}

void Session::parse_head() {
  http::async_read_header(stream_, buffer_, *head_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
}

void Session::on_header(beast::error_code ec) {
  if (closed_) return;
  if (gone(ec)) return close();
  set_kind(ConnKind::Handling);
  if (ec) return write_reply(error_reply(400, "malformed HTTP request: " + ec.message()), false);
  const auto& raw = head_->get();
  version_ = raw.version();
  keep_alive_ = raw.keep_alive();
  HttpRequest req = to_request(raw);
  if (beast::iequals(req.header("upgrade"), "websocket") && core_.router.uploads(req)) {
    return start_websocket(std::move(req));
  }
  if (core_.router.uploads(req)) return start_upload(std::move(req));
  const auto length = head_->content_length();
  const auto limit = static_cast<uint64_t>(core_.config.body_limit_bytes);
  if (length && *length > limit) {
    return write_reply(error_reply(413, "request body is larger than the limit of " + std::to_string(limit) + " bytes"),
                       false);
  }
  if (head_->is_done()) return dispatch(req);  // no body: the common case, parsed once
  parser_.emplace(std::move(*head_));
  parser_->body_limit(limit);
  http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->on_body(ec);
  });
}

void Session::on_body(beast::error_code ec) {
  if (closed_) return;
  if (gone(ec)) return close();
  if (ec == http::error::body_limit) {
    return write_reply(error_reply(413, "request body is larger than the limit of " +
                                            std::to_string(core_.config.body_limit_bytes) + " bytes"),
                       false);
  }
  if (ec) return write_reply(error_reply(400, "malformed HTTP request: " + ec.message()), false);
  dispatch(to_request(parser_->get()));
}

void Session::dispatch(const HttpRequest& req) {
  Respond done = responder();
  try {
    core_.router.dispatch(req, done);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} failed: {}", req.method, req.path, e.what());
    done(error_reply(500, std::string("internal error: ") + e.what()));  // ignored if it answered already
  }
}

// The answer may come at once, on this session's thread, or later from any thread (a control
// call completes on the supervisor's). Either way it is written on this session's thread, once.
Respond Session::responder() {
  auto answered = std::make_shared<std::atomic<bool>>(false);
  // The core by shared_ptr: the answer may come after the server has stopped and gone.
  return [weak = weak_from_this(), answered, core = core_.shared_from_this(), ex = executor_](HttpReply r) {
    if (answered->exchange(true)) return;
    const auto* io = ex.target<asio::io_context::executor_type>();
    if (io && io->running_in_this_thread()) {
      if (auto self = weak.lock()) self->answer(std::move(r));
      return;
    }
    core->post(ex, [weak, r = std::move(r)]() mutable {
      if (auto self = weak.lock()) self->answer(std::move(r));
    });
  };
}

void Session::answer(HttpReply r) {
  if (closed_) return;
  awaiting_answer_ = false;
  // An upload's receiver is done once it has answered, but this may run inside its finish():
  // it is let go of after this turn.
  if (receiver_) asio::post(executor_, [done_with = std::move(receiver_)] {});
  if (r.stream) return start_stream(std::move(r));
  if (ws_) return send_websocket(std::move(r.body), 1000);
  write_reply(r, keep_alive_);
}

void Session::write_reply(const HttpReply& r, bool keep_alive) {
  set_kind(ConnKind::Writing);
  core_.count(r.status);
  response_.emplace(static_cast<http::status>(r.status), version_);
  set_headers(*response_, r);
  response_->keep_alive(keep_alive);
  response_->body() = r.body;
  response_->prepare_payload();
  stream_.expires_after(kWriteTimeout);
  http::async_write(stream_, *response_, [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
    if (ec || !keep_alive) return self->close();
    if (self->watching_) {  // only the watch's read is pending: end it, and read on after it
      self->read_after_watch_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
      return;
    }
    self->read_request();
  });
}

// ---- uploads: the body is handed on as it arrives, never buffered whole ----------------------

// The upload route's start (a receiver, or its refusal); a handler that throws is a 500.
UploadStart Session::open_upload(const HttpRequest& req) {
  try {
    return core_.router.open_upload(req);
  } catch (const std::exception& e) {
    spdlog::error("upload handler for {} failed: {}", req.path, e.what());
    return error_reply(500, std::string("internal error: ") + e.what());
  }
}

void Session::start_upload(HttpRequest req) {
  if (std::string why = set_kind(ConnKind::Upload); !why.empty()) return write_reply(busy_reply(why), false);
  UploadStart start = open_upload(req);
  if (auto* refused = std::get_if<HttpReply>(&start)) return write_reply(*refused, false);
  receiver_ = std::move(std::get<std::unique_ptr<UploadReceiver>>(start));
  upload_.emplace(std::move(*head_));
  upload_->body_limit(boost::none);
  chunk_ = std::make_unique<std::array<char, 16 * 1024>>();
  if (beast::iequals(req.header("expect"), "100-continue")) {
    // curl waits a second for this before sending a large body.
    auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, version_);
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, size_t) {
      if (ec) return self->end_upload(false);
      self->read_upload_chunk();
    });
    return;
  }
  read_upload_chunk();
}

void Session::read_upload_chunk() {
  if (closed_) return;
  if (upload_->is_done()) return end_upload(true);
  auto& body = upload_->get().body();
  body.data = chunk_->data();
  body.size = chunk_->size();
  stream_.expires_after(std::chrono::milliseconds(core_.config.read_timeout_ms));
  // read_some: hand on what arrived now. A whole-buffer read would hold a live stream's audio
  // back until 16 KiB (half a second) had come in.
  http::async_read_some(stream_, buffer_, *upload_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->on_upload_chunk(ec);
  });
}

void Session::on_upload_chunk(beast::error_code ec) {
  if (closed_) return;
  if (ec == http::error::need_buffer) ec = {};
  const size_t got = chunk_->size() - upload_->get().body().size;
  const UploadStep step = got > 0 ? receiver_->on_chunk(std::string_view(chunk_->data(), got)) : UploadStep::Continue;
  if (step == UploadStep::Stop) return end_upload(false);
  if (ec) {
    if (!gone(ec)) spdlog::info("upload ended by a read error: {}", ec.message());
    return end_upload(false);
  }
  if (step == UploadStep::Pause) return pause_upload();
  read_upload_chunk();
}

void Session::read_body_more() { ws_ ? read_message() : read_upload_chunk(); }

// The receiver cannot take more yet: leave the socket unread (the client's writes back up) and
// ask again shortly. No read is pending meanwhile, so no read deadline runs out.
void Session::pause_upload() {
  if (!retry_) retry_.emplace(executor_);
  retry_->expires_after(kUploadRetry);
  retry_->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (self->closed_) return;
    if (ec || self->core_.stopping) return self->end_upload(false);
    switch (self->receiver_->resume()) {
      case UploadStep::Continue: return self->read_body_more();
      case UploadStep::Pause: return self->pause_upload();
      case UploadStep::Stop: return self->end_upload(false);
    }
  });
}

void Session::end_upload(bool complete) {
  // Only a body read to its end leaves the connection usable for another request.
  if (!complete) keep_alive_ = false;
  chunk_.reset();
  switch (receiver_->end_of_body(complete)) {
    case UploadStep::Continue: return conclude_upload(complete);
    case UploadStep::Stop: return conclude_upload(false);
    case UploadStep::Pause: break;
  }
  // What the receiver held back goes on as the ring makes room: ask again shortly.
  if (!retry_) retry_.emplace(executor_);
  retry_->expires_after(kUploadRetry);
  retry_->async_wait([self = shared_from_this(), complete](beast::error_code ec) {
    if (self->closed_) return;
    if (ec || self->core_.stopping) return self->conclude_upload(false);
    self->end_upload(complete);
  });
}

void Session::conclude_upload(bool complete) {
  Respond done = responder();
  awaiting_answer_ = true;
  try {
    receiver_->finish(complete, done);
  } catch (const std::exception& e) {
    done(error_reply(500, std::string("internal error: ") + e.what()));
  }
  if (awaiting_answer_) watch_while_waiting();
}

// The answer to an upload can take long (a transcription runs first). Meanwhile a read stays
// pending: a client that closes makes it complete, and the route hears at once that nobody waits
// (issue 16, S9) instead of finishing work for no one. Bytes that do arrive (a pipelined next
// request) are kept for the next read. A WebSocket is watched by its own reads.
void Session::watch_while_waiting() {
  if (closed_ || ws_ || watching_) return;
  watching_ = true;
  stream_.expires_never();
  stream_.async_read_some(buffer_.prepare(beast::read_size(buffer_, 4096)),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->watching_ = false;
                            if (self->closed_) return;
                            self->buffer_.commit(n);
                            if (self->read_after_watch_) {
                              self->read_after_watch_ = false;
                              return self->read_request();
                            }
                            if (!self->awaiting_answer_) {
                              // The answer is a stream: this read goes on as its close watch.
                              if (self->body_) return ec ? self->close() : self->watch_for_close();
                              return;  // the answer's write goes on
                            }
                            if (ec) return self->close();         // gone: close() abandons the work
                            if (self->buffer_.size() < kHeaderLimit) self->watch_while_waiting();
                          });
}

void Session::abandon_work() {
  if (core_.stopping) return;  // the daemon's shutdown stops every recording itself
  if (receiver_ && awaiting_answer_) receiver_->abandon();
  if (body_ && !stream_ended_) body_->abandon();
}

// ---- streaming replies (SSE) ---------------------------------------------------------------

void Session::start_stream(HttpReply r) {
  if (std::string why = set_kind(ConnKind::Stream); !why.empty()) {
    r.stream->abandon();  // nobody will read it: a transcription behind it stops
    return write_reply(busy_reply(why), false);
  }
  core_.count(r.status);
  body_ = std::move(r.stream);
  auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(r.status), version_);
  set_headers(*res, r);
  res->keep_alive(false);  // the stream ends only by closing the connection
  auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
  writing_ = true;
  stream_.expires_after(kWriteTimeout);
  http::async_write_header(stream_, *sr, [self = shared_from_this(), res, sr](beast::error_code ec, size_t) {
    self->writing_ = false;
    if (ec) return self->close();
    self->watch_for_close();
    self->pump_stream();
  });
}

// A client that closes its end makes this read complete: the stream ends at once instead of at
// its next write. Whatever a client sends on a stream is read and dropped.
void Session::watch_for_close() {
  if (closed_ || watching_) return;  // the upload's watch is pending still: it watches on
  stream_.expires_never();  // the reads of a stream have no deadline; each write has its own
  stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec) return self->close();
    self->watch_for_close();
  });
}

void Session::pump_stream() {
  if (closed_ || writing_) return;
  std::string text;
  switch (body_->pull(text, kStreamWriteBytes)) {
    case ReplyStream::Pull::End:
      stream_ended_ = true;
      return close();
    case ReplyStream::Pull::Data:
      return write_stream(std::move(text));
    case ReplyStream::Pull::Idle:
      break;
  }
  if (keepalive_due_) return write_stream(": keepalive\n\n");
  const bool armed = body_->wake_when_ready([weak = weak_from_this(), core = core_.shared_from_this(), ex = executor_] {
    core->post(ex, [weak] {
      if (auto self = weak.lock()) self->pump_stream();
    });
  });
  if (!armed) {  // something arrived between the pull and the request
    asio::post(executor_, [self = shared_from_this()] { self->pump_stream(); });
    return;
  }
  arm_keepalive();
}

void Session::write_stream(std::string text) {
  writing_ = true;
  keepalive_due_ = false;
  out_ = std::move(text);
  stream_.expires_after(kWriteTimeout);  // the pending read's deadline stays "never"
  asio::async_write(stream_, asio::buffer(out_), [self = shared_from_this()](beast::error_code ec, size_t) {
    self->writing_ = false;
    if (ec) return self->close();
    self->pump_stream();
  });
}

void Session::arm_keepalive() {
  if (!keepalive_) keepalive_.emplace(executor_);
  if (keepalive_->expiry() > std::chrono::steady_clock::now()) return;  // armed already
  keepalive_->expires_after(kKeepalive);
  keepalive_->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_) return;
    self->keepalive_due_ = true;
    self->pump_stream();
  });
}

}  // namespace vs
