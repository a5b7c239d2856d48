#include "wyoming/wyoming_server.h"

#include <sys/socket.h>

#include <thread>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "wyoming/wyoming_session.h"
#include "wyoming/wyoming_shared.h"

namespace vs {

namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;
using Acceptor = asio::basic_socket_acceptor<Protocol>;

namespace {

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr auto kCloseLimit = std::chrono::seconds(2);

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

void accept_next(std::shared_ptr<Acceptor> acceptor, std::shared_ptr<WyomingShared> shared,
                 WyomingServer::NextIo next_io) {
  auto socket = std::make_shared<Protocol::socket>(next_io());
  acceptor->async_accept(*socket, [acceptor, shared, socket, next_io](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted || shared->stopping) return;
    if (ec) {
      // Out of descriptors (or similar): retrying at once would spin on the readable listener.
      spdlog::warn("wyoming: accept failed: {}; retrying in {} ms", ec.message(), kAcceptRetryDelay.count());
      auto timer = std::make_shared<asio::steady_timer>(acceptor->get_executor(), kAcceptRetryDelay);
      timer->async_wait([acceptor, shared, timer, next_io](boost::system::error_code) {
        accept_next(acceptor, shared, next_io);
      });
      return;
    }
    auto session = std::make_shared<WyomingSession>(std::move(*socket), shared);
    if (shared->admit(session)) {
      asio::post(session->executor(), [session] { session->start(); });
    } else {
      spdlog::warn("wyoming: {} connections open; refusing another", WyomingShared::kMaxConnections);
      asio::post(session->executor(), [session] { session->close(); });
    }
    accept_next(acceptor, shared, next_io);
  });
}

}  // namespace

struct WyomingServer::Impl {
  ListenSocket socket;
  std::shared_ptr<WyomingShared> shared;
  NextIo next_io;
  std::shared_ptr<Acceptor> acceptor;
  bool started = false, stopped = false;
};

WyomingServer::WyomingServer(ListenSocket socket, WyomingContext context, NextIo next_io)
    : impl_(new Impl{std::move(socket), std::make_shared<WyomingShared>(std::move(context)), std::move(next_io), {}}) {}

WyomingServer::~WyomingServer() { stop(); }

void WyomingServer::start() {
  Impl& d = *impl_;
  d.acceptor = std::make_shared<Acceptor>(d.next_io());
  // The acceptor takes over the fd; the ListenSocket keeps the address for removal later.
  d.acceptor->assign(protocol_of(d.socket), d.socket.fd.release());
  accept_next(d.acceptor, d.shared, d.next_io);
  d.started = true;
}

void WyomingServer::stop() {
  Impl& d = *impl_;
  if (!d.started || d.stopped) return;
  d.stopped = true;
  d.shared->stopping = true;  // no new sessions; nothing more is posted by bus or turn callbacks
  asio::post(d.acceptor->get_executor(), [acceptor = d.acceptor] {
    boost::system::error_code ignored;
    acceptor->close(ignored);
  });
  for (auto& session : d.shared->all()) {
    asio::post(session->executor(), [session] { session->close(); });
  }
  // Each session leaves the registry as it closes, on its own I/O thread.
  const auto deadline = std::chrono::steady_clock::now() + kCloseLimit;
  while (d.shared->count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

const ListenSocket& WyomingServer::socket() const { return impl_->socket; }

size_t WyomingServer::connections() const { return impl_->shared->count(); }

}  // namespace vs
