#include "http/http_server.h"

#include <sys/socket.h>

#include <thread>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "http/server_core.h"
#include "http/session.h"

namespace vs {

namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;
using Acceptor = asio::basic_socket_acceptor<Protocol>;

namespace {

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr auto kDrainLimit = std::chrono::seconds(2);

void accept_next(std::shared_ptr<Acceptor> acceptor, std::shared_ptr<ServerCore> core) {
  // Each connection goes to the next I/O thread's io_context and stays there.
  auto socket = std::make_shared<Protocol::socket>(core->next_io());
  acceptor->async_accept(*socket, [acceptor, core, socket](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted || core->stopping) return;
    if (ec) {
      // Out of descriptors (or similar): the listening socket stays readable, so retrying at
      // once would spin. Wait a little and try again.
      spdlog::warn("accept failed: {}; retrying in {} ms", ec.message(), kAcceptRetryDelay.count());
      auto timer = std::make_shared<asio::steady_timer>(acceptor->get_executor(), kAcceptRetryDelay);
      timer->async_wait([acceptor, core, timer](boost::system::error_code) { accept_next(acceptor, core); });
      return;
    }
    auto session = std::make_shared<Session>(std::move(*socket), *core);
    if (core->admit(session)) {
      asio::post(session->executor(), [session] { session->start(); });
    } else {
      // Full of connections that are all being served: refuse rather than run out of fds.
      asio::post(session->executor(), [session] { session->close(); });
    }
    accept_next(acceptor, core);
  });
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

size_t io_thread_count() { return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4); }

}  // namespace

struct HttpServer::Impl {
  Impl(ListenSocket s, const Router& router, const ListenConfig& config)
      : socket(std::move(s)), core(std::make_shared<ServerCore>(router, config, io_thread_count())) {}
  ListenSocket socket;
  std::shared_ptr<ServerCore> core;
  std::shared_ptr<Acceptor> acceptor;
  bool started = false, stopped = false;
};

HttpServer::HttpServer(ListenSocket socket, const Router& router, const ListenConfig& config)
    : impl_(std::make_unique<Impl>(std::move(socket), router, config)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  Impl& d = *impl_;
  ServerCore& core = *d.core;
  d.acceptor = std::make_shared<Acceptor>(*core.ios.front());
  // The acceptor takes over the fd; the ListenSocket keeps the address for removal later.
  d.acceptor->assign(protocol_of(d.socket), d.socket.fd.release());
  accept_next(d.acceptor, d.core);
  for (auto& io : core.ios) core.threads.emplace_back([&io = *io] { run_io(io); });
  d.started = true;
}

void HttpServer::stop() {
  Impl& d = *impl_;
  if (!d.started || d.stopped) return;
  d.stopped = true;
  ServerCore& core = *d.core;
  core.stopping = true;
  // On the acceptor's thread, so every connection accepted before the close is in the registry:
  // closing a session completes its pending reads, writes and timers at once; an answer still
  // to come (a control call, an upload's last final) finds the session gone and is dropped.
  asio::post(d.acceptor->get_executor(), [acceptor = d.acceptor, core = d.core] {
    boost::system::error_code ignored;
    acceptor->close(ignored);
    for (auto& session : core->sessions()) {
      asio::post(session->executor(), [session] { session->close(); });
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

std::map<int, uint64_t> HttpServer::responses_by_status() const { return impl_->core->responses_by_status(); }

}  // namespace vs
