#include "http/accept_loop.h"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace vs {

namespace asio = boost::asio;

namespace {

constexpr auto kRetryDelay = std::chrono::milliseconds(100);

AcceptLoop::Protocol protocol_of(const ListenSocket& s) {
  int family = AF_UNIX;
  if (s.network == "tcp") {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(s.fd.get(), reinterpret_cast<sockaddr*>(&ss), &len);
    family = ss.ss_family;
  }
  return AcceptLoop::Protocol(family, 0);
}

}  // namespace

AcceptLoop::AcceptLoop(asio::io_context& home, NextIo next_io, OnAccept on_accept, std::string what)
    : acceptor_(home), next_io_(std::move(next_io)), on_accept_(std::move(on_accept)), what_(std::move(what)) {}

std::shared_ptr<AcceptLoop> AcceptLoop::start(ListenSocket& socket, asio::io_context& home, NextIo next_io,
                                              OnAccept on_accept, std::string what) {
  auto loop = std::make_shared<AcceptLoop>(home, std::move(next_io), std::move(on_accept), std::move(what));
  loop->acceptor_.assign(protocol_of(socket), socket.fd.release());
  asio::post(loop->acceptor_.get_executor(), [loop] { loop->accept_next(); });
  return loop;
}

void AcceptLoop::accept_next() {
  if (closed_) return;
  auto socket = std::make_shared<Protocol::socket>(next_io_());
  acceptor_.async_accept(*socket, [self = shared_from_this(), socket](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted || self->closed_) return;
    if (ec) {
      spdlog::warn("{}: accept failed: {}; retrying in {} ms", self->what_, ec.message(), kRetryDelay.count());
      auto timer = std::make_shared<asio::steady_timer>(self->acceptor_.get_executor(), kRetryDelay);
      timer->async_wait([self, timer](boost::system::error_code) { self->accept_next(); });
      return;
    }
    self->on_accept_(std::move(*socket));
    self->accept_next();
  });
}

void AcceptLoop::close(std::function<void()> after) {
  asio::post(acceptor_.get_executor(), [self = shared_from_this(), after = std::move(after)] {
    self->closed_ = true;
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    if (after) after();
  });
}

}  // namespace vs
