#include "http/connection.h"

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "http/server_core.h"

namespace vs {

namespace {

int64_t now_ticks() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

}  // namespace

Connection::Connection(ServerCore& core, boost::asio::any_io_executor executor)
    : core_(core), executor_(std::move(executor)), since_(now_ticks()) {}

void Connection::close() {
  if (handed_over_) {
    if (auto next = next_.lock()) next->close();
    return;
  }
  if (closed_) return;
  closed_ = true;
  shut();
  // May drop the registry's reference; callers hold their own.
  if (admitted_) core_.forget(this, kind());
}

void Connection::evict() {
  if (handed_over_) {
    if (auto next = next_.lock()) next->evict();
    return;
  }
  if (closed_) return;
  spdlog::debug("HTTP: connection evicted to make room for a new one");
  interrupt();
}

std::string Connection::set_kind(ConnKind kind) {
  const ConnKind from = kind_.load(std::memory_order_relaxed);
  if (admitted_ && !closed_) {
    if (std::string why = core_.become(from, kind); !why.empty()) return why;
  }
  if (from != kind) since_.store(now_ticks(), std::memory_order_relaxed);
  kind_.store(kind, std::memory_order_relaxed);
  return {};
}

void Connection::hand_over(const std::shared_ptr<Connection>& next) {
  next->kind_.store(kind_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  next->since_.store(since_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  next->admitted_ = admitted_ && !closed_;
  // When the core evicted this one a moment ago, it is out of the registry already and the
  // eviction posted to it reaches `next` through next_; `next` stays counted until it closes.
  if (next->admitted_) core_.replace(this, next);
  next_ = next;
  handed_over_ = true;
  closed_ = true;
}

// The answer may come at once, on this connection's thread, or later from any thread (a control
// call completes on the supervisor's). Either way it is written on this connection's thread, once.
Respond Connection::responder_for(std::weak_ptr<Connection> self) {
  auto answered = std::make_shared<std::atomic<bool>>(false);
  // The core by shared_ptr: the answer may come after the server has stopped and gone.
  return [weak = std::move(self), answered, core = core_.shared_from_this(), ex = executor_](HttpReply r) {
    if (answered->exchange(true)) return;
    const auto* io = ex.target<boost::asio::io_context::executor_type>();
    if (io && io->running_in_this_thread()) {
      if (auto conn = weak.lock()) conn->answer(std::move(r));
      return;
    }
    core->post(ex, [weak, r = std::move(r)]() mutable {
      if (auto conn = weak.lock()) conn->answer(std::move(r));
    });
  };
}

}  // namespace vs
