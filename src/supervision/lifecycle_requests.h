// LifecycleRequests is the Supervisor's singleflight inbox of start/stop/restart requests.
//
// A request identical to the last queued one — or to the one in flight when nothing is queued
// after it — shares that request's outcome; any other request is queued, so requests run in
// arrival order and the final state matches the last request. The actor take()s the next
// request, works on it (possibly across many loop turns) and complete()s it.
//
//   auto t = inbox.submit_ticket(RequestKind::Start, "api_start");   // any thread
//   if (t.future.wait_until(deadline) == std::future_status::timeout) inbox.abandon(t);
//   // actor: if (auto r = inbox.take()) { ...; inbox.complete(outcome); }
#pragma once

#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <cstdint>
#include <string>

#include "supervision/supervisor.h"

namespace vs {

enum class RequestKind { Start, Stop, Restart };

inline const char* to_string(RequestKind k) {
  switch (k) {
    case RequestKind::Start: return "start";
    case RequestKind::Stop: return "stop";
    case RequestKind::Restart: return "restart";
  }
  return "?";
}

class LifecycleRequests {
 public:
  struct Taken {
    RequestKind kind;
    std::string reason;
  };

  // `wake` is called (outside the lock) after every submit, to wake the actor.
  explicit LifecycleRequests(std::function<void()> wake = {}) : wake_(std::move(wake)) {}

  struct Ticket {
    std::shared_future<Outcome> future;
    uint64_t id = 0;  // 0: answered at once (closed)
  };

  // After close(), the ticket is answered with `closed_outcome` at once.
  Ticket submit_ticket(RequestKind kind, const std::string& reason) {
    Ticket ticket;
    {
      std::lock_guard lock(mu_);
      if (closed_) return Ticket{ready(closed_outcome_), 0};
      if (!queue_.empty()) {
        if (queue_.back().kind == kind) return join(queue_.back());
      } else if (in_flight_ && in_flight_->kind == kind) {
        return join(*in_flight_);
      }
      Entry e{kind, reason, {}, {}, ++last_id_, 1};
      e.future = e.promise.get_future().share();
      ticket = Ticket{e.future, e.id};
      queue_.push_back(std::move(e));
    }
    if (wake_) wake_();
    return ticket;
  }

  std::shared_future<Outcome> submit(RequestKind kind, const std::string& reason) {
    return submit_ticket(kind, reason).future;
  }

  // The caller stopped waiting. A start or restart that nobody waits for any more and that has
  // not begun is dropped (answered with `outcome`), so a client told "timed out" never finds
  // the worker started behind its back. A stop still runs: stopping is always safe.
  void abandon(const Ticket& ticket, const Outcome& outcome) {
    std::optional<Entry> dropped;
    {
      std::lock_guard lock(mu_);
      for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->id != ticket.id) continue;
        if (--it->waiters == 0 && it->kind != RequestKind::Stop) {
          dropped = std::move(*it);
          queue_.erase(it);
        }
        break;
      }
    }
    if (dropped) dropped->promise.set_value(outcome);
  }

  // Moves the oldest queued request in flight. Only when nothing is in flight.
  std::optional<Taken> take() {
    std::lock_guard lock(mu_);
    if (in_flight_ || queue_.empty()) return std::nullopt;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    return Taken{in_flight_->kind, in_flight_->reason};
  }

  std::optional<RequestKind> in_flight() const {
    std::lock_guard lock(mu_);
    if (!in_flight_) return std::nullopt;
    return in_flight_->kind;
  }
  std::optional<RequestKind> next_queued() const {
    std::lock_guard lock(mu_);
    if (queue_.empty()) return std::nullopt;
    return queue_.front().kind;
  }

  // Completes the request in flight (no-op when none).
  void complete(const Outcome& outcome) {
    std::optional<Entry> done;
    {
      std::lock_guard lock(mu_);
      if (!in_flight_) return;
      done = std::move(in_flight_);
      in_flight_.reset();
    }
    done->promise.set_value(outcome);
  }

  // Refuses new requests and answers every queued one (not the one in flight) with `outcome`.
  void close(const Outcome& outcome) {
    std::deque<Entry> drained;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      closed_outcome_ = outcome;
      drained.swap(queue_);
    }
    for (auto& e : drained) e.promise.set_value(outcome);
  }

 private:
  struct Entry {
    RequestKind kind;
    std::string reason;
    std::promise<Outcome> promise;
    std::shared_future<Outcome> future;
    uint64_t id = 0;
    int waiters = 0;
  };

  static Ticket join(Entry& e) {
    ++e.waiters;
    return Ticket{e.future, e.id};
  }

  static std::shared_future<Outcome> ready(const Outcome& o) {
    std::promise<Outcome> p;
    p.set_value(o);
    return p.get_future().share();
  }

  std::function<void()> wake_;
  mutable std::mutex mu_;
  std::deque<Entry> queue_;
  std::optional<Entry> in_flight_;
  bool closed_ = false;
  Outcome closed_outcome_;
  uint64_t last_id_ = 0;
};

}  // namespace vs
