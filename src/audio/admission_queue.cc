#include "audio/admission_queue.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace vs {

struct AdmissionQueue::Ticket::State {
  struct Waiter {
    uint64_t id;
    std::function<void()> on_admitted;
    std::chrono::steady_clock::time_point since;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    std::function<void()> on_timeout;
  };
  mutable std::mutex mu;
  size_t capacity = 1;
  std::vector<uint64_t> holders;
  uint64_t next_id = 1;
  std::deque<Waiter> waiting;
  std::function<void(std::chrono::nanoseconds)> on_wait;
  Clock clock;

  bool holds(uint64_t id) const { return std::find(holders.begin(), holders.end(), id) != holders.end(); }
  bool room() const { return holders.size() < capacity; }
};

AdmissionQueue::AdmissionQueue(size_t capacity, std::function<void(std::chrono::nanoseconds)> on_wait, Clock clock)
    : state_(std::make_shared<Ticket::State>()) {
  state_->capacity = std::max<size_t>(capacity, 1);
  state_->on_wait = std::move(on_wait);
  state_->clock = std::move(clock);
}

AdmissionQueue::~AdmissionQueue() = default;

std::unique_ptr<AdmissionQueue::Ticket> AdmissionQueue::join(std::function<void()> on_admitted) {
  return join(std::move(on_admitted), std::chrono::steady_clock::time_point::max(), nullptr);
}

std::unique_ptr<AdmissionQueue::Ticket> AdmissionQueue::join(std::function<void()> on_admitted,
                                                             std::chrono::steady_clock::time_point deadline,
                                                             std::function<void()> on_timeout) {
  auto& s = *state_;
  uint64_t id = 0;
  bool now = false;
  {
    std::lock_guard lock(s.mu);
    id = s.next_id++;
    if (s.room() && s.waiting.empty()) {
      s.holders.push_back(id);
      now = true;
    } else {
      s.waiting.push_back({id, std::move(on_admitted), s.clock(), deadline, std::move(on_timeout)});
    }
  }
  std::unique_ptr<Ticket> ticket(new Ticket(state_, id));
  if (now) {
    if (s.on_wait) s.on_wait(std::chrono::nanoseconds(0));
    if (on_admitted) on_admitted();  // outside the lock: it may do anything
  }
  return ticket;
}

void AdmissionQueue::expire(std::chrono::steady_clock::time_point now) {
  std::vector<std::function<void()>> timed_out;
  {
    std::lock_guard lock(state_->mu);
    std::erase_if(state_->waiting, [&](Ticket::State::Waiter& w) {
      if (w.deadline > now) return false;
      if (w.on_timeout) timed_out.push_back(std::move(w.on_timeout));
      return true;
    });
  }
  for (auto& f : timed_out) f();  // outside the lock: they may do anything
}

std::unique_ptr<AdmissionQueue::Ticket> AdmissionQueue::try_join() {
  auto& s = *state_;
  uint64_t id = 0;
  {
    std::lock_guard lock(s.mu);
    if (!s.room() || !s.waiting.empty()) return nullptr;
    id = s.next_id++;
    s.holders.push_back(id);
  }
  if (s.on_wait) s.on_wait(std::chrono::nanoseconds(0));
  return std::unique_ptr<Ticket>(new Ticket(state_, id));
}

AdmissionQueue::Ticket::~Ticket() {
  std::function<void()> granted;
  std::chrono::nanoseconds waited{0};
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    const auto held = std::find(s.holders.begin(), s.holders.end(), id_);
    if (held != s.holders.end()) {
      s.holders.erase(held);
      if (!s.waiting.empty()) {
        s.holders.push_back(s.waiting.front().id);
        granted = std::move(s.waiting.front().on_admitted);
        waited = s.clock() - s.waiting.front().since;
        s.waiting.pop_front();
      }
    } else {
      std::erase_if(s.waiting, [this](const State::Waiter& w) { return w.id == id_; });
    }
  }
  if (granted) {
    if (s.on_wait) s.on_wait(waited);
    granted();
  }
}

bool AdmissionQueue::Ticket::admitted() const {
  std::lock_guard lock(state_->mu);
  return state_->holds(id_);
}

size_t AdmissionQueue::Ticket::ahead() const {
  std::lock_guard lock(state_->mu);
  if (state_->holds(id_)) return 0;
  size_t n = 0;
  for (const auto& w : state_->waiting) {
    if (w.id == id_) break;
    ++n;
  }
  return n;
}

size_t AdmissionQueue::capacity() const {
  std::lock_guard lock(state_->mu);
  return state_->capacity;
}

size_t AdmissionQueue::admitted() const {
  std::lock_guard lock(state_->mu);
  return state_->holders.size();
}

size_t AdmissionQueue::waiting() const {
  std::lock_guard lock(state_->mu);
  return state_->waiting.size();
}

}  // namespace vs
