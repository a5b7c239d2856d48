#include "http/http_server.h"

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <variant>

#include <boost/asio.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "common/version.h"

namespace vs {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Protocol = asio::generic::stream_protocol;
using Stream = beast::basic_stream<Protocol>;
using Acceptor = asio::basic_socket_acceptor<Protocol>;

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(10);
constexpr auto kDrainWarnAfter = std::chrono::seconds(10);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr unsigned kHeaderLimit = 16 * 1024;
constexpr auto kUploadRetry = std::chrono::milliseconds(2);
constexpr int kMaxConnections = 512;

// What sessions share: the router, limits, counters and the count of running handlers.
// Sessions and handler threads hold it by shared_ptr, so the io_context outlives every socket.
struct ServerCore {
  ServerCore(const Router& r, const ListenConfig& c) : router(r), config(c) {}
  const Router& router;
  ListenConfig config;
  asio::io_context io;
  std::atomic<bool> stopping{false};

  mutable std::mutex mu;
  std::condition_variable handlers_done;
  int handlers = 0;
  std::atomic<int> connections{0};
  std::map<int, uint64_t> responses;

  bool begin_handler() {
    std::lock_guard lock(mu);
    if (handlers >= HttpServer::kMaxHandlers || stopping) return false;
    ++handlers;
    return true;
  }
  void end_handler() {
    std::lock_guard lock(mu);
    if (--handlers == 0) handlers_done.notify_all();
  }
  void count(int status) {
    std::lock_guard lock(mu);
    ++responses[status];
  }
};

template <class Response>
void set_headers(Response& res, const HttpReply& r) {
  res.set(http::field::server, std::string("voice-sidecar/") + kVersion);
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.set(name, value);
}

template <class Body>
HttpRequest to_request(const http::request<Body>& r) {
  HttpRequest req;
  req.method = std::string(r.method_string());
  const std::string target(r.target());
  const auto q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) req.query = target.substr(q + 1);
  for (const auto& field : r) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers[name] = std::string(field.value());
  }
  if constexpr (std::is_same_v<Body, http::string_body>) req.body = r.body();
  return req;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Protocol::socket socket, std::shared_ptr<ServerCore> core)
      : stream_(std::move(socket)), core_ptr_(std::move(core)), core_(*core_ptr_) {
    ++core_.connections;
  }
  ~Session() { --core_.connections; }

  void start() { read_request(); }

 private:
  void read_request() {
    head_.emplace();
    head_->header_limit(kHeaderLimit);
    head_->body_limit(boost::none);  // the route decides: a limit for JSON, none for an upload
    stream_.expires_after(std::chrono::milliseconds(core_.config.read_timeout_ms));
    http::async_read_header(stream_, buffer_, *head_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // True when the read ended because the client went away or took too long: just close.
  static bool gone(beast::error_code ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::operation_aborted;
  }

  HttpReply too_large() const {
    return error_reply(413, "request body is larger than the limit of " +
                                std::to_string(core_.config.body_limit_bytes) + " bytes");
  }

  void on_header(beast::error_code ec) {
    if (gone(ec)) return close();
    if (ec) return reply(error_reply(400, "malformed HTTP request: " + ec.message()), false);
    const auto& raw = head_->get();
    version_ = raw.version();
    keep_alive_ = raw.keep_alive();
    HttpRequest req = to_request(raw);
    if (core_.router.uploads(req)) return start_upload(std::move(req));
    const auto length = head_->content_length();
    if (length && *length > static_cast<uint64_t>(core_.config.body_limit_bytes)) return reply(too_large(), false);
    parser_.emplace(std::move(*head_));
    parser_->body_limit(core_.config.body_limit_bytes);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (gone(ec)) return close();
    if (ec == http::error::body_limit) return reply(too_large(), false);
    if (ec) return reply(error_reply(400, "malformed HTTP request: " + ec.message()), false);

    HttpRequest req = to_request(parser_->get());
    // Quick answers (health, gate, status, metrics) come straight from the I/O thread, so no
    // number of slow control calls or event streams can starve them.
    if (!core_.router.blocks(req)) return reply(dispatch(req), keep_alive_);
    run_on_handler_thread([req = std::move(req)](Session& self) { self.handle(req); });
  }

  // Blocking work (a start waits for "ready", a stream lasts, an upload's end waits for the
  // worker's flush) gets a thread of its own.
  template <class Work>
  void run_on_handler_thread(Work work) {
    if (!core_.begin_handler()) {
      return reply(error_reply(503, "too many control calls and event streams in progress; try again shortly"),
                   false);
    }
    try {
      std::thread([self = shared_from_this(), work = std::move(work)]() mutable {
        std::shared_ptr<ServerCore> core = self->core_ptr_;
        work(*self);
        self.reset();        // the session may end here, while the core is still alive
        core->end_handler();
      }).detach();
    } catch (const std::system_error& e) {
      core_.end_handler();
      spdlog::error("cannot start a request handler thread: {}", e.what());
      reply(error_reply(503, "the daemon cannot take more requests right now; try again shortly"), false);
    }
  }

  // ---- uploads: the body is handed on as it arrives, never buffered whole ----

  void start_upload(HttpRequest req) {
    UploadStart start = [&]() -> UploadStart {
      try {
        return core_.router.open_upload(req);
      } catch (const std::exception& e) {
        spdlog::error("upload handler for {} failed: {}", req.path, e.what());
        return error_reply(500, std::string("internal error: ") + e.what());
      }
    }();
    if (auto* refused = std::get_if<HttpReply>(&start)) return reply(std::move(*refused), false);
    receiver_ = std::move(std::get<std::unique_ptr<UploadReceiver>>(start));
    upload_.emplace(std::move(*head_));
    upload_->body_limit(boost::none);
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

  void read_upload_chunk() {
    if (upload_->is_done()) return end_upload(true);
    auto& body = upload_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    stream_.expires_after(std::chrono::milliseconds(core_.config.read_timeout_ms));
    // read_some: hand on what arrived now. A whole-buffer read would hold a live stream's audio
    // back until 16 KiB (half a second) had come in.
    http::async_read_some(stream_, buffer_, *upload_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->on_upload_chunk(ec);
    });
  }

  void on_upload_chunk(beast::error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    const size_t got = chunk_.size() - upload_->get().body().size;
    const UploadStep step = got > 0 ? receiver_->on_chunk(std::string_view(chunk_.data(), got)) : UploadStep::Continue;
    if (step == UploadStep::Stop) return end_upload(false);
    if (ec) {
      if (!gone(ec)) spdlog::info("upload ended by a read error: {}", ec.message());
      return end_upload(false);
    }
    if (step == UploadStep::Pause) return pause_upload();
    read_upload_chunk();
  }

  // The receiver cannot take more yet: leave the socket unread (the client's writes back up)
  // and ask again shortly. No read is pending meanwhile, so no read deadline runs out.
  void pause_upload() {
    auto timer = std::make_shared<asio::steady_timer>(core_.io, kUploadRetry);
    timer->async_wait([self = shared_from_this(), timer](beast::error_code ec) {
      if (ec || self->core_.stopping) return self->end_upload(false);
      switch (self->receiver_->resume()) {
        case UploadStep::Continue: return self->read_upload_chunk();
        case UploadStep::Pause: return self->pause_upload();
        case UploadStep::Stop: return self->end_upload(false);
      }
    });
  }

  void end_upload(bool complete) {
    // Only a body read to its end leaves the connection usable for another request.
    if (!complete) keep_alive_ = false;
    run_on_handler_thread([complete](Session& self) {
      HttpReply r;
      try {
        r = self.receiver_->finish(complete);
      } catch (const std::exception& e) {
        r = error_reply(500, std::string("internal error: ") + e.what());
      }
      asio::post(self.core_.io, [s = self.shared_from_this(), r = std::move(r)]() mutable {
        s->receiver_.reset();
        s->reply(std::move(r), s->keep_alive_);
      });
    });
  }

  HttpReply dispatch(const HttpRequest& req) {
    try {
      return core_.router.dispatch(req);
    } catch (const std::exception& e) {
      spdlog::error("handler for {} {} failed: {}", req.method, req.path, e.what());
      return error_reply(500, std::string("internal error: ") + e.what());
    }
  }

  // Runs on its own thread.
  void handle(const HttpRequest& req) {
    HttpReply r = dispatch(req);
    if (r.stream) {
      try {
        stream(r);
      } catch (const std::exception& e) {
        spdlog::error("event stream for {} ended by an error: {}", req.path, e.what());
        asio::post(core_.io, [self = shared_from_this()] { self->close(); });
      }
      return;
    }
    asio::post(core_.io, [self = shared_from_this(), r = std::move(r)]() mutable {
      self->reply(std::move(r), self->keep_alive_);
    });
  }

  http::response<http::string_body> make_response(const HttpReply& r, bool keep_alive) const {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version_};
    set_headers(res, r);
    res.keep_alive(keep_alive);
    res.body() = r.body;
    res.prepare_payload();
    return res;
  }

  // Runs on the I/O thread.
  void reply(HttpReply r, bool keep_alive) {
    core_.count(r.status);
    auto res = std::make_shared<http::response<http::string_body>>(make_response(r, keep_alive));
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive) return self->close();
      self->read_request();
    });
  }

  // Runs on the handler thread: headers, then the body from r.stream, each write handed to the
  // I/O thread and waited for.
  void stream(const HttpReply& r);

  // Runs on a handler thread: has the I/O thread start a write — start(stream, done) must call
  // done(error_code, size_t) when it completes — and waits for it. The write has its own
  // deadline; the margin covers the I/O thread's queue.
  template <class StartWrite>
  bool write_and_wait(StartWrite start) {
    auto done = std::make_shared<std::promise<bool>>();
    auto result = done->get_future();
    asio::post(core_.io, [self = shared_from_this(), start = std::move(start), done]() mutable {
      self->stream_.expires_after(kWriteTimeout);
      start(self->stream_, [done](beast::error_code ec, size_t) { done->set_value(!ec); });
    });
    return result.wait_for(kWriteTimeout + std::chrono::seconds(2)) == std::future_status::ready && result.get();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(Protocol::socket::shutdown_both, ignored);
    stream_.close();
  }

  friend class SessionStreamWriter;
  Stream stream_;
  std::shared_ptr<ServerCore> core_ptr_;
  ServerCore& core_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> head_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::buffer_body>> upload_;
  std::unique_ptr<UploadReceiver> receiver_;
  std::array<char, 16 * 1024> chunk_{};
  unsigned version_ = 11;
  bool keep_alive_ = false;
};

class SessionStreamWriter : public StreamWriter {
 public:
  explicit SessionStreamWriter(std::shared_ptr<Session> session) : session_(std::move(session)) {}

  bool write(std::string_view chunk) override {
    if (failed_) return false;
    auto data = std::make_shared<std::string>(chunk);
    failed_ = !session_->write_and_wait([data](Stream& stream, auto done) {
      asio::async_write(stream, asio::buffer(*data), [data, done](beast::error_code ec, size_t n) { done(ec, n); });
    });
    return !failed_;
  }

  bool stopping() const override { return session_->core_.stopping; }

 private:
  std::shared_ptr<Session> session_;
  bool failed_ = false;
};

void Session::stream(const HttpReply& r) {
  core_.count(r.status);
  auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(r.status), version_);
  set_headers(*res, r);
  res->keep_alive(false);  // the stream ends only by closing the connection
  auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
  const bool header_written = write_and_wait([res, sr](Stream& stream, auto done) {
    http::async_write_header(stream, *sr, [res, sr, done](beast::error_code ec, size_t n) { done(ec, n); });
  });
  if (header_written) {
    SessionStreamWriter writer(shared_from_this());
    r.stream(writer);
  }
  asio::post(core_.io, [self = shared_from_this()] { self->close(); });
}

void accept_next(std::shared_ptr<Acceptor> acceptor, std::shared_ptr<ServerCore> core) {
  acceptor->async_accept([acceptor, core](beast::error_code ec, Protocol::socket socket) {
    if (ec == asio::error::operation_aborted || core->stopping) return;
    if (ec) {
      // Out of descriptors (or similar): the listening socket stays readable, so retrying at
      // once would spin. Wait a little and try again.
      spdlog::warn("accept failed: {}; retrying in {} ms", ec.message(), kAcceptRetryDelay.count());
      auto timer = std::make_shared<asio::steady_timer>(core->io, kAcceptRetryDelay);
      timer->async_wait([acceptor, core, timer](beast::error_code) { accept_next(acceptor, core); });
      return;
    }
    if (core->connections >= kMaxConnections) {
      beast::error_code ignored;
      socket.close(ignored);  // over the limit: refuse rather than run out of descriptors
    } else {
      std::make_shared<Session>(std::move(socket), core)->start();
    }
    accept_next(acceptor, core);
  });
}

// The I/O thread: an exception escaping a completion handler must not end the server.
void run_io(ServerCore& core) {
  for (;;) {
    try {
      core.io.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("HTTP I/O thread: {}", e.what());
    }
  }
}

Protocol protocol_of(const ListenSocket& s) {
  int family = AF_UNIX;
  if (s.network == "tcp") {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(s.fd.get(), reinterpret_cast<sockaddr*>(&ss), &len);
    family = ss.ss_family;
  }
  return Protocol(family, 0);
}

}  // namespace

struct HttpServer::Impl {
  Impl(ListenSocket s, const Router& router, const ListenConfig& config)
      : socket(std::move(s)), core(std::make_shared<ServerCore>(router, config)) {}
  ListenSocket socket;
  std::shared_ptr<ServerCore> core;
  std::shared_ptr<Acceptor> acceptor;
  std::thread io_thread;
  bool started = false, stopped = false;
};

HttpServer::HttpServer(ListenSocket socket, const Router& router, const ListenConfig& config)
    : impl_(std::make_unique<Impl>(std::move(socket), router, config)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  Impl& d = *impl_;
  d.acceptor = std::make_shared<Acceptor>(d.core->io);
  // The acceptor takes over the fd; the ListenSocket keeps the address for removal later.
  d.acceptor->assign(protocol_of(d.socket), d.socket.fd.release());
  accept_next(d.acceptor, d.core);
  d.io_thread = std::thread([core = d.core] { run_io(*core); });
  d.started = true;
}

void HttpServer::stop() {
  Impl& d = *impl_;
  if (!d.started || d.stopped) return;
  d.stopped = true;
  ServerCore& core = *d.core;
  core.stopping = true;
  asio::post(core.io, [acceptor = d.acceptor] {
    beast::error_code ignored;
    acceptor->close(ignored);
  });
  {
    // Streams notice `stopping` within a second and their writes time out; control calls end
    // once the supervisor has shut down. Handlers touch the router and what it serves, so
    // they must all be done before this returns — waiting long beats a use-after-free.
    std::unique_lock lock(core.mu);
    while (!core.handlers_done.wait_for(lock, kDrainWarnAfter, [&] { return core.handlers == 0; })) {
      spdlog::warn("waiting for {} request handlers to finish before shutdown", core.handlers);
    }
  }
  core.io.stop();
  d.io_thread.join();
}

const ListenSocket& HttpServer::socket() const { return impl_->socket; }

std::map<int, uint64_t> HttpServer::responses_by_status() const {
  std::lock_guard lock(impl_->core->mu);
  return impl_->core->responses;
}

}  // namespace vs
