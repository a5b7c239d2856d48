#include "http/session.h"

#include <sys/socket.h>

#include <variant>

#include <spdlog/spdlog.h>

#include "common/http_limits.h"
#include "common/version.h"
#include "http/beast_request.h"
#include "http/event_stream_writer.h"
#include "http/strict_head.h"
#include "http/websocket_offer.h"
#include "http/websocket_session.h"

namespace vs {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr unsigned kHeaderLimit = kRequestHeadLimit;
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

// A 503 for a connection the policy will not let become an upload, a stream or a WebSocket.
HttpReply busy_reply(const std::string& why) {
  HttpReply r = error_reply(503, why);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace

Session::Session(Protocol::socket socket, ServerCore& core)
    : Connection(core, socket.get_executor()), stream_(std::move(socket)) {}

void Session::start() {
  beast::error_code ignored;
  stream_.socket().set_option(asio::socket_base::send_buffer_size(kSendBuffer), ignored);
  read_request();
}

void Session::shut() {
  if (!core_.stopping) {  // the daemon's shutdown stops every recording itself
    if (upload_) upload_->abandon();
    if (stream_after_watch_) stream_after_watch_->stream->abandon();
  }
  beast::error_code ignored;
  stream_.socket().shutdown(Protocol::socket::shutdown_both, ignored);
  stream_.close();
  if (upload_) upload_->cancel();
}

void Session::interrupt() {
  keep_alive_ = false;
  beast::error_code ignored;
  stream_.socket().shutdown(Protocol::socket::shutdown_both, ignored);
  stream_.socket().cancel(ignored);
  if (upload_) upload_->cancel();
}

// ---- request and reply ---------------------------------------------------------------------

void Session::read_request() {
  if (closed()) return;
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
                              if (self->closed()) return;
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
  if (closed()) return;
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
  if (closed()) return;
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

void Session::answer(HttpReply r) {
  if (closed()) return;
  if (upload_) upload_->answered();
  if (r.stream) return start_stream(std::move(r));
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
  upload_.emplace(std::move(std::get<std::unique_ptr<UploadReceiver>>(start)), weak_from_this(), executor(),
                  core_.stopping);
  upload_parser_.emplace(std::move(*head_));
  upload_parser_->body_limit(boost::none);
  chunk_ = std::make_unique<std::array<char, 16 * 1024>>();
  if (beast::iequals(req.header("expect"), "100-continue")) {
    // curl waits a second for this before sending a large body.
    auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, version_);
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, size_t) {
      if (ec) return self->upload_->end(false);
      self->read_upload_chunk();
    });
    return;
  }
  read_upload_chunk();
}

void Session::read_upload_chunk() {
  if (closed()) return;
  if (upload_parser_->is_done()) return upload_->end(true);
  auto& body = upload_parser_->get().body();
  body.data = chunk_->data();
  body.size = chunk_->size();
  stream_.expires_after(std::chrono::milliseconds(core_.config.read_timeout_ms));
  // read_some: hand on what arrived now. A whole-buffer read would hold a live stream's audio
  // back until 16 KiB (half a second) had come in.
  http::async_read_some(stream_, buffer_, *upload_parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->on_upload_chunk(ec);
  });
}

void Session::on_upload_chunk(beast::error_code ec) {
  if (closed()) return;
  if (ec == http::error::need_buffer) ec = {};
  const size_t got = chunk_->size() - upload_parser_->get().body().size;
  const UploadStep step =
      got > 0 ? upload_->take(std::string_view(chunk_->data(), got)) : UploadStep::Continue;
  if (step == UploadStep::Stop) return upload_->end(false);
  if (ec) {
    if (!gone(ec)) spdlog::info("upload ended by a read error: {}", ec.message());
    return upload_->end(false);
  }
  if (step == UploadStep::Pause) return upload_->pause();
  read_upload_chunk();
}

void Session::body_ended(bool complete) {
  // Only a body read to its end leaves the connection usable for another request.
  if (!complete) keep_alive_ = false;
  chunk_.reset();
}

// The answer to an upload can take long (a transcription runs first). Meanwhile a read stays
// pending: a client that closes makes it complete, and the route hears at once that nobody waits
// (issue 16, S9) instead of finishing work for no one. Bytes that do arrive (a pipelined next
// request) are kept for the next read.
void Session::watch_while_waiting() {
  if (closed() || watching_) return;
  watching_ = true;
  stream_.expires_never();
  stream_.async_read_some(buffer_.prepare(beast::read_size(buffer_, 4096)),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->watching_ = false;
                            if (self->closed()) return;
                            self->buffer_.commit(n);
                            if (self->read_after_watch_) {
                              self->read_after_watch_ = false;
                              return self->read_request();
                            }
                            if (self->stream_after_watch_) {
                              // A client that left meanwhile is noticed by the writer's own read.
                              HttpReply r = std::move(*self->stream_after_watch_);
                              self->stream_after_watch_.reset();
                              return self->hand_to_writer(std::move(r));
                            }
                            if (!self->upload_->awaiting_answer()) return;  // the answer's write goes on
                            if (ec) return self->close();  // gone: close() abandons the work
                            if (self->buffer_.size() < kHeaderLimit) self->watch_while_waiting();
                          });
}

// ---- the hand-overs --------------------------------------------------------------------------

// An upgrade to an upload route. What HTTP refuses (busy, a foreign Origin, a path or method
// that takes no upload) is answered here; a refusal of the route's own (busy recorder, no
// worker, no token) is upgraded anyway, so that a page can read why (websocket_session.h).
void Session::start_websocket(HttpRequest req) {
  const WebSocketOffer offer = read_websocket_offer(req.header("sec-websocket-protocol"));
  if (offer.bearer && req.header("authorization").empty()) req.headers["authorization"] = "Bearer " + *offer.bearer;
  if (std::string why = set_kind(ConnKind::WebSocket); !why.empty()) return write_reply(busy_reply(why), false);
  UploadStart start = open_upload(req);
  if (auto* refused = std::get_if<HttpReply>(&start)) {
    const int status = refused->status;
    if (status == 403 || status == 404 || status == 405) return write_reply(*refused, false);
    core_.count(status);
  } else {
    core_.count(101);
  }
  auto ws = std::make_shared<WebSocketSession>(stream_.release_socket(), core_);
  hand_over(ws);
  ws->start(head_->release(), std::move(start));
}

void Session::start_stream(HttpReply r) {
  if (std::string why = set_kind(ConnKind::Stream); !why.empty()) {
    r.stream->abandon();  // nobody will read it: a transcription behind it stops
    return write_reply(busy_reply(why), false);
  }
  core_.count(r.status);
  if (watching_) {  // an upload's watch has a read pending: the socket moves once it has ended
    stream_after_watch_ = std::move(r);
    beast::error_code ignored;
    stream_.socket().cancel(ignored);
    return;
  }
  hand_to_writer(std::move(r));
}

void Session::hand_to_writer(HttpReply r) {
  EventStreamWriter::Head head(static_cast<http::status>(r.status), version_);
  set_headers(head, r);
  head.keep_alive(false);  // the stream ends only by closing the connection
  auto writer = std::make_shared<EventStreamWriter>(stream_.release_socket(), core_, std::move(r.stream));
  hand_over(writer);
  writer->start(std::move(head));
}

}  // namespace vs
