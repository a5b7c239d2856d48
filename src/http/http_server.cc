#include "http/http_server.h"

#include <atomic>
#include <thread>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "http/accept_loop.h"
#include "http/server_core.h"
#include "http/session.h"

namespace vs {

namespace asio = boost::asio;

namespace {

constexpr auto kDrainLimit = std::chrono::seconds(2);

// A new connection becomes an HTTP Session on its I/O thread (which may later hand its socket to
// a WebSocketSession or an EventStreamWriter), or is refused when every slot is taken by a
// connection being served (refusing beats running out of descriptors).
void admit(ServerCore& core, AcceptLoop::Protocol::socket socket) {
  if (core.stopping) return;
  auto session = std::make_shared<Session>(std::move(socket), core);
  if (core.admit(session)) {
    asio::post(session->executor(), [session] { session->start(); });
  } else {
    asio::post(session->executor(), [session] { session->close(); });
  }
}

// An I/O thread: an exception escaping a completion handler must not end the server.
void run_io(asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("HTTP I/O thread: {}", e.what());
    }
  }
}

size_t io_thread_count() { return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4); }

}  // namespace

struct HttpServer::Impl {
  Impl(ListenSocket s, const Router& router, const ListenConfig& config)
      : socket(std::move(s)), core(std::make_shared<ServerCore>(router, config, io_thread_count())) {}
  ListenSocket socket;
  std::shared_ptr<ServerCore> core;
  std::shared_ptr<AcceptLoop> accept;
  bool started = false, stopped = false;
};

HttpServer::HttpServer(ListenSocket socket, const Router& router, const ListenConfig& config)
    : impl_(std::make_unique<Impl>(std::move(socket), router, config)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  Impl& d = *impl_;
  ServerCore& core = *d.core;
  // Each connection goes to the next I/O thread's io_context and stays there.
  d.accept = AcceptLoop::start(
      d.socket, *core.ios.front(), [core = d.core]() -> asio::io_context& { return core->next_io(); },
      [core = d.core](AcceptLoop::Protocol::socket s) { admit(*core, std::move(s)); }, "http");
  for (auto& io : core.ios) core.threads.emplace_back([&io = *io] { run_io(io); });
  d.started = true;
}

void HttpServer::stop() {
  Impl& d = *impl_;
  if (!d.started || d.stopped) return;
  d.stopped = true;
  ServerCore& core = *d.core;
  core.stopping = true;
  // After the acceptor has closed, on its thread, so every connection accepted before is in the
  // registry: closing a connection completes its pending reads, writes and timers at once; an
  // answer still to come (a control call, an upload's last final) finds it gone and is dropped.
  // One that hands its socket over meanwhile passes the close on (Connection::close).
  d.accept->close([core = d.core] {
    for (auto& connection : core->open_connections()) {
      asio::post(connection->executor(), [connection] { connection->close(); });
    }
  });
  for (auto& guard : core.keep_running) guard.reset();
  // The I/O threads end once nothing is left to do; a straggler is not waited for forever.
  const auto deadline = std::chrono::steady_clock::now() + kDrainLimit;
  for (auto& io : core.ios) {
    while (!io->stopped() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    io->stop();
  }
  for (auto& t : core.threads) t.join();
}

const ListenSocket& HttpServer::socket() const { return impl_->socket; }

asio::io_context& HttpServer::next_io_context() { return impl_->core->next_io(); }

void HttpServer::visit_io_threads(std::function<void()> done) {
  ServerCore& core = *impl_->core;
  auto left = std::make_shared<std::atomic<size_t>>(core.ios.size());
  auto last = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& io : core.ios) {
    core.post(io->get_executor(), [left, last] {
      if (left->fetch_sub(1) == 1) (*last)();
    });
  }
}

std::map<int, uint64_t> HttpServer::responses_by_status() const { return impl_->core->responses_by_status(); }

}  // namespace vs
