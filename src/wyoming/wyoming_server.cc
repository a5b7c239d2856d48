#include "wyoming/wyoming_server.h"

#include <thread>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "http/accept_loop.h"
#include "wyoming/wyoming_session.h"
#include "wyoming/wyoming_shared.h"

namespace vs {

namespace asio = boost::asio;

namespace {

constexpr auto kCloseLimit = std::chrono::seconds(2);

void admit(const std::shared_ptr<WyomingShared>& shared, AcceptLoop::Protocol::socket socket) {
  if (shared->stopping) return;
  auto session = std::make_shared<WyomingSession>(std::move(socket), shared);
  std::shared_ptr<WyomingSession> evicted;
  if (shared->admit(session, evicted)) {
    if (evicted) {
      spdlog::info("wyoming: {} connections open; closing the longest idle for a new one", WyomingShared::kMaxConnections);
      asio::post(evicted->executor(), [evicted] { evicted->close(); });
    }
    asio::post(session->executor(), [session] { session->start(); });
  } else {
    spdlog::warn("wyoming: {} connections open, none idle; refusing another", WyomingShared::kMaxConnections);
    asio::post(session->executor(), [session] { session->close(); });
  }
}

}  // namespace

bool WyomingShared::admit(const std::shared_ptr<WyomingSession>& s, std::shared_ptr<WyomingSession>& evicted) {
  std::lock_guard lock(mu);
  if (sessions.size() >= kMaxConnections) {
    auto oldest = sessions.end();
    std::optional<std::chrono::steady_clock::time_point> oldest_since;
    for (auto it = sessions.begin(); it != sessions.end(); ++it) {
      const auto since = (*it)->idle_since();
      if (since && (!oldest_since || *since < *oldest_since)) oldest = it, oldest_since = since;
    }
    if (oldest == sessions.end()) return false;
    // Out of the registry now, so the slot is free at once and no later admit picks it again.
    evicted = std::move(*oldest);
    sessions.erase(oldest);
  }
  sessions.push_back(s);
  return true;
}

struct WyomingServer::Impl {
  ListenSocket socket;
  std::shared_ptr<WyomingShared> shared;
  NextIo next_io;
  std::shared_ptr<AcceptLoop> accept;
  bool started = false, stopped = false;
};

WyomingServer::WyomingServer(ListenSocket socket, WyomingContext context, NextIo next_io)
    : impl_(new Impl{std::move(socket), std::make_shared<WyomingShared>(std::move(context)), std::move(next_io), {}}) {}

WyomingServer::~WyomingServer() { stop(); }

void WyomingServer::start() {
  Impl& d = *impl_;
  d.accept = AcceptLoop::start(
      d.socket, d.next_io(), d.next_io,
      [shared = d.shared](AcceptLoop::Protocol::socket s) { admit(shared, std::move(s)); }, "wyoming");
  d.started = true;
}

void WyomingServer::stop() {
  Impl& d = *impl_;
  if (!d.started || d.stopped) return;
  d.stopped = true;
  d.shared->stopping = true;  // no new sessions; nothing more is posted by bus or turn callbacks
  // After the acceptor has closed, on its thread: every connection accepted before is registered.
  d.accept->close([shared = d.shared] {
    for (auto& session : shared->all()) {
      asio::post(session->executor(), [session] { session->close(); });
    }
  });
  // Each session leaves the registry as it closes, on its own I/O thread.
  const auto deadline = std::chrono::steady_clock::now() + kCloseLimit;
  while (d.shared->count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

const ListenSocket& WyomingServer::socket() const { return impl_->socket; }

size_t WyomingServer::connections() const { return impl_->shared->count(); }

}  // namespace vs
