#include "wyoming/turn_queue.h"

#include <deque>
#include <mutex>
#include <utility>

namespace vs {

struct TurnQueue::Ticket::State {
  struct Waiter {
    uint64_t id;
    std::function<void()> on_turn;
  };
  mutable std::mutex mu;
  uint64_t holder = 0;  // 0: the slot is free
  uint64_t next_id = 1;
  std::deque<Waiter> waiting;
};

TurnQueue::TurnQueue() : state_(std::make_shared<Ticket::State>()) {}
TurnQueue::~TurnQueue() = default;

std::unique_ptr<TurnQueue::Ticket> TurnQueue::join(std::function<void()> on_turn) {
  auto& s = *state_;
  uint64_t id = 0;
  bool now = false;
  {
    std::lock_guard lock(s.mu);
    id = s.next_id++;
    if (s.holder == 0 && s.waiting.empty()) {
      s.holder = id;
      now = true;
    } else {
      s.waiting.push_back({id, std::move(on_turn)});
    }
  }
  std::unique_ptr<Ticket> ticket(new Ticket(state_, id));
  if (now) on_turn();  // outside the lock: it may do anything
  return ticket;
}

TurnQueue::Ticket::~Ticket() {
  std::function<void()> granted;
  {
    std::lock_guard lock(state_->mu);
    auto& w = state_->waiting;
    if (state_->holder == id_) {
      state_->holder = 0;
      if (!w.empty()) {
        state_->holder = w.front().id;
        granted = std::move(w.front().on_turn);
        w.pop_front();
      }
    } else {
      for (auto it = w.begin(); it != w.end(); ++it) {
        if (it->id == id_) {
          w.erase(it);
          break;
        }
      }
    }
  }
  if (granted) granted();
}

bool TurnQueue::Ticket::holds_turn() const {
  std::lock_guard lock(state_->mu);
  return state_->holder == id_;
}

size_t TurnQueue::Ticket::ahead() const {
  std::lock_guard lock(state_->mu);
  if (state_->holder == id_) return 0;
  size_t n = state_->holder != 0;
  for (const auto& w : state_->waiting) {
    if (w.id == id_) break;
    ++n;
  }
  return n;
}

size_t TurnQueue::waiting() const {
  std::lock_guard lock(state_->mu);
  return state_->waiting.size();
}

bool TurnQueue::busy() const {
  std::lock_guard lock(state_->mu);
  return state_->holder != 0;
}

}  // namespace vs
