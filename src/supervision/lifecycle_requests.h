// LifecycleRequests is the Supervisor's singleflight inbox of start/stop/restart requests.
//
// A request identical to the last queued one — or to the one in flight when nothing is queued
// after it — shares that request's outcome; any other request is queued, so requests run in
// arrival order and the final state matches the last request. The actor take()s the next
// request, works on it (possibly across many loop turns) and complete()s it.
//
// Nobody waits here: each caller leaves a completion and a deadline. complete() answers every
// caller of the request in flight; expire() answers the callers whose deadline passed with their
// own timed-out outcome. A start or restart whose callers all timed out before it began is
// dropped, so a client told "timed out" never finds the worker started behind its back; a stop
// still runs (stopping is always safe). Completions run outside the lock, each exactly once.
//
//   inbox.submit(RequestKind::Start, "api_start", deadline, timed_out, done);   // any thread
//   // actor: if (auto r = inbox.take()) { ...; inbox.complete(r->id, outcome); }
//   //        inbox.expire(now); sleep until inbox.next_deadline()
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/time_format.h"
#include "supervision/outcome.h"
#include "supervision/request_kind.h"

namespace vs {

class LifecycleRequests {
 public:
  using Completion = std::function<void(const Outcome&)>;

  struct Taken {
    uint64_t id;
    RequestKind kind;
    std::string reason;
  };

  // `wake` is called (outside the lock) after every submit that queued something new.
  explicit LifecycleRequests(std::function<void()> wake = {}) : wake_(std::move(wake)) {}

  // Any thread. `done` gets the request's outcome, or `timed_out` once `deadline` passed (see
  // expire()), or — after close() — the closed outcome at once, on this thread.
  void submit(RequestKind kind, const std::string& reason, SteadyTime deadline, Outcome timed_out,
              Completion done) {
    Caller caller{deadline, std::move(timed_out), std::move(done)};
    Outcome refused;
    {
      std::lock_guard lock(mu_);
      if (closed_) {
        refused = closed_outcome_;
      } else if (Entry* shared = joinable(kind)) {
        shared->callers.push_back(std::move(caller));
        return;
      } else {
        queue_.push_back(Entry{++last_id_, kind, reason, {}});
        queue_.back().callers.push_back(std::move(caller));
        caller.done = nullptr;
      }
    }
    if (caller.done) return caller.done(refused);
    if (wake_) wake_();
  }

  // Moves the oldest queued request in flight. Only when nothing is in flight.
  std::optional<Taken> take() {
    std::lock_guard lock(mu_);
    if (in_flight_ || queue_.empty()) return std::nullopt;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    return Taken{in_flight_->id, in_flight_->kind, in_flight_->reason};
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

  // Answers every caller of the request in flight (no-op unless `id` is the one in flight).
  void complete(uint64_t id, const Outcome& outcome) {
    std::vector<Caller> callers;
    {
      std::lock_guard lock(mu_);
      if (!in_flight_ || in_flight_->id != id) return;
      callers = std::move(in_flight_->callers);
      in_flight_.reset();
    }
    for (auto& c : callers) c.done(outcome);
  }

  // Answers the callers whose deadline is not after `now` with their timed-out outcome, and
  // drops the queued starts and restarts nobody waits for any more.
  void expire(SteadyTime now) {
    std::vector<Caller> late;
    {
      std::lock_guard lock(mu_);
      if (in_flight_) take_late(*in_flight_, now, late);
      for (auto it = queue_.begin(); it != queue_.end();) {
        take_late(*it, now, late);
        const bool abandoned = it->callers.empty() && it->kind != RequestKind::Stop;
        it = abandoned ? queue_.erase(it) : it + 1;
      }
    }
    for (auto& c : late) c.done(c.timed_out);
  }

  // The earliest caller deadline, if anyone waits.
  std::optional<SteadyTime> next_deadline() const {
    std::lock_guard lock(mu_);
    std::optional<SteadyTime> next;
    auto consider = [&](const Entry& e) {
      for (const auto& c : e.callers) next = next ? std::min(*next, c.deadline) : c.deadline;
    };
    if (in_flight_) consider(*in_flight_);
    for (const auto& e : queue_) consider(e);
    return next;
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
    for (auto& e : drained) {
      for (auto& c : e.callers) c.done(outcome);
    }
  }

 private:
  struct Caller {
    SteadyTime deadline;
    Outcome timed_out;
    Completion done;
  };
  struct Entry {
    uint64_t id = 0;
    RequestKind kind;
    std::string reason;
    std::vector<Caller> callers;
  };

  // The request a new one of `kind` shares, if any.
  Entry* joinable(RequestKind kind) {
    if (!queue_.empty()) return queue_.back().kind == kind ? &queue_.back() : nullptr;
    if (in_flight_ && in_flight_->kind == kind) return &*in_flight_;
    return nullptr;
  }

  static void take_late(Entry& e, SteadyTime now, std::vector<Caller>& late) {
    auto keep = std::stable_partition(e.callers.begin(), e.callers.end(),
                                      [&](const Caller& c) { return c.deadline > now; });
    std::move(keep, e.callers.end(), std::back_inserter(late));
    e.callers.erase(keep, e.callers.end());
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
