#include "ipc/event_bus.h"

#include <utility>

namespace vs {

// One mutex guards the ring and every cursor's view of it. Publishers hold it only to store a
// pointer and bump counters; readers take a reference (a shared_ptr copy) to the ring's Event
// and never copy the Event or its JSON, so a slow reader never delays a publisher.
struct EventStream::State {
  explicit State(size_t cap) : capacity(cap == 0 ? 1 : cap), ring(capacity) {}

  const size_t capacity;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<const Event>> ring;  // event id i lives at (i - 1) % capacity
  uint64_t next_id = 1;                            // id the next publish gets
  bool closed = false;
  size_t waiters = 0;  // streams blocked in next(); publish skips notify when none
  size_t subscribers = 0;
  uint64_t lagged_events = 0;

  // Oldest id still in the ring (== next_id when nothing was published yet).
  uint64_t oldest_retained() const {
    return next_id > capacity ? next_id - capacity : 1;
  }
  const std::shared_ptr<const Event>& slot(uint64_t id) const { return ring[(id - 1) % capacity]; }
};

EventStream::EventStream(std::shared_ptr<State> shared, uint64_t cursor)
    : shared_(std::move(shared)), cursor_(cursor) {}

EventStream::~EventStream() {
  if (shared_) {
    std::lock_guard lock(shared_->mu);
    --shared_->subscribers;
  }
}

EventStream::EventStream(EventStream&& other) noexcept
    : shared_(std::move(other.shared_)), cursor_(other.cursor_) {}

EventStream& EventStream::operator=(EventStream&& other) noexcept {
  if (this != &other) {
    EventStream old(std::move(*this));  // unsubscribes the stream being replaced
    shared_ = std::move(other.shared_);
    cursor_ = other.cursor_;
  }
  return *this;
}

NextResult EventStream::next(std::chrono::steady_clock::time_point deadline) {
  if (!shared_) return Closed{};
  State& s = *shared_;
  std::shared_ptr<const Event> ev;
  {
    std::unique_lock lock(s.mu);
    for (;;) {
      const uint64_t oldest = s.oldest_retained();
      if (cursor_ < oldest) {
        const uint64_t missed = oldest - cursor_;
        cursor_ = oldest;
        s.lagged_events += missed;
        return Lagged{missed};
      }
      if (cursor_ < s.next_id) {
        ev = s.slot(cursor_);
        ++cursor_;
        break;
      }
      if (s.closed) return Closed{};
      ++s.waiters;
      const auto status = s.cv.wait_until(lock, deadline);
      --s.waiters;
      if (status == std::cv_status::timeout && cursor_ >= s.next_id && !s.closed) {
        return TimedOut{};
      }
    }
  }
  return ev;
}

EventBus::EventBus(size_t capacity) : state_(std::make_shared<EventStream::State>(capacity)) {}

EventBus::~EventBus() { close(); }

uint64_t EventBus::publish(nlohmann::json body) {
  return publish(std::make_shared<const nlohmann::json>(std::move(body)));
}

uint64_t EventBus::publish(std::shared_ptr<const nlohmann::json> body) {
  if (!body) body = std::make_shared<const nlohmann::json>();
  auto ev = std::make_shared<Event>();
  if (body->is_object()) {
    auto it = body->find("type");
    if (it != body->end() && it->is_string()) ev->type = it->get<std::string>();
  }
  ev->body = std::move(body);
  ev->at = std::chrono::system_clock::now();

  EventStream::State& s = *state_;
  std::shared_ptr<const Event> evicted;  // freed outside the lock
  uint64_t id = 0;
  bool wake = false;
  {
    std::lock_guard lock(s.mu);
    if (s.closed) return 0;
    id = s.next_id++;
    ev->id = id;
    evicted = std::exchange(s.ring[(id - 1) % s.capacity], std::move(ev));
    wake = s.waiters > 0;
  }
  if (wake) s.cv.notify_all();
  return id;
}

EventStream EventBus::subscribe() {
  std::lock_guard lock(state_->mu);
  ++state_->subscribers;
  return EventStream(state_, state_->next_id);
}

EventStream EventBus::subscribe_retained() {
  std::lock_guard lock(state_->mu);
  ++state_->subscribers;
  return EventStream(state_, state_->oldest_retained());
}

void EventBus::close() {
  {
    std::lock_guard lock(state_->mu);
    if (state_->closed) return;
    state_->closed = true;
  }
  state_->cv.notify_all();
}

uint64_t EventBus::published() const {
  std::lock_guard lock(state_->mu);
  return state_->next_id - 1;
}

size_t EventBus::subscribers() const {
  std::lock_guard lock(state_->mu);
  return state_->subscribers;
}

uint64_t EventBus::lagged_events() const {
  std::lock_guard lock(state_->mu);
  return state_->lagged_events;
}

size_t EventBus::capacity() const { return state_->capacity; }

}  // namespace vs
