#include "events/event_bus.h"

#include <algorithm>
#include <utility>

namespace vs {

// One mutex guards the ring and every cursor's view of it. Publishers hold it only to store a
// pointer and bump counters; readers take a reference (a shared_ptr copy) to the ring's Event
// and never copy the Event or its JSON, so a slow reader never delays a publisher.
struct EventStream::State {
  State(size_t cap, size_t max_b) : capacity(cap == 0 ? 1 : cap), max_bytes(max_b), ring(capacity) {}

  const size_t capacity;
  const size_t max_bytes;  // 0 = bounded by count only
  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<const Event>> ring;  // event id i lives at (i - 1) % capacity
  uint64_t next_id = 1;                            // id the next publish gets
  bool closed = false;
  size_t waiters = 0;  // streams blocked in next(); publish skips notify when none
  size_t subscribers = 0;
  uint64_t lagged_events = 0;
  uint64_t oldest = 1;  // oldest id still held (== next_id when none is)
  size_t bytes = 0;     // sum of the held events' sizes
  uint64_t last_token = 0;
  std::vector<std::pair<uint64_t, std::function<void()>>> wakers;  // (stream token, wake), one-shot

  void cancel_waker(uint64_t token) {
    std::erase_if(wakers, [token](const auto& w) { return w.first == token; });
  }
  // Takes every wake request, to be called once the lock is released.
  std::vector<std::pair<uint64_t, std::function<void()>>> take_wakers() {
    std::vector<std::pair<uint64_t, std::function<void()>>> due;
    due.swap(wakers);
    return due;
  }

  uint64_t oldest_retained() const { return oldest; }
  std::shared_ptr<const Event>& slot(uint64_t id) { return ring[(id - 1) % capacity]; }

  // Drops the oldest held event; returns it so it is freed outside the lock.
  std::shared_ptr<const Event> evict_oldest() {
    std::shared_ptr<const Event> ev = std::move(slot(oldest));
    if (ev) bytes -= ev->bytes;
    ++oldest;
    return ev;
  }
};

EventStream::EventStream(std::shared_ptr<State> shared, uint64_t cursor)
    : shared_(std::move(shared)), cursor_(cursor), token_(++shared_->last_token) {}

EventStream::~EventStream() {
  if (shared_) {
    std::function<void()> cancelled;  // destroyed outside the lock: it may own anything
    std::lock_guard lock(shared_->mu);
    --shared_->subscribers;
    for (auto& w : shared_->wakers) {
      if (w.first == token_) cancelled = std::move(w.second);
    }
    shared_->cancel_waker(token_);
  }
}

EventStream::EventStream(EventStream&& other) noexcept
    : shared_(std::move(other.shared_)), cursor_(other.cursor_), token_(other.token_) {}

EventStream& EventStream::operator=(EventStream&& other) noexcept {
  if (this != &other) {
    EventStream old(std::move(*this));  // unsubscribes the stream being replaced
    shared_ = std::move(other.shared_);
    cursor_ = other.cursor_;
    token_ = other.token_;
  }
  return *this;
}

bool EventStream::wake_when_ready(std::function<void()> wake) {
  if (!shared_) return false;
  State& s = *shared_;
  std::function<void()> replaced;  // destroyed outside the lock
  std::lock_guard lock(s.mu);
  if (cursor_ < s.next_id || s.closed) return false;  // an event, a lag notice or Closed is ready
  for (auto& w : s.wakers) {
    if (w.first == token_) {
      replaced = std::exchange(w.second, std::move(wake));
      return true;
    }
  }
  s.wakers.emplace_back(token_, std::move(wake));
  return true;
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
      // An expired deadline (a poll) returns without a timed wait, which would cost a syscall.
      if (std::chrono::steady_clock::now() >= deadline) return TimedOut{};
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

EventBus::EventBus(size_t capacity, size_t max_bytes)
    : state_(std::make_shared<EventStream::State>(capacity, max_bytes)) {}

EventBus::~EventBus() { close(); }

uint64_t EventBus::publish(nlohmann::json body, size_t bytes) {
  return publish(std::make_shared<const nlohmann::json>(std::move(body)), bytes);
}

uint64_t EventBus::publish(std::shared_ptr<const nlohmann::json> body, size_t bytes) {
  if (!body) body = std::make_shared<const nlohmann::json>();
  auto ev = std::make_shared<Event>();
  if (body->is_object()) {
    auto it = body->find("type");
    if (it != body->end() && it->is_string()) ev->type = it->get<std::string>();
  }
  ev->body = std::move(body);
  ev->at = std::chrono::system_clock::now();
  ev->bytes = bytes == 0 ? kSmallEventBytes : bytes;

  EventStream::State& s = *state_;
  std::vector<std::shared_ptr<const Event>> evicted;  // freed outside the lock
  uint64_t id = 0;
  bool wake = false;
  std::vector<std::pair<uint64_t, std::function<void()>>> wakers;
  {
    std::lock_guard lock(s.mu);
    if (s.closed) return 0;
    id = s.next_id;
    if (id - s.oldest == s.capacity) evicted.push_back(s.evict_oldest());  // the slot `id` reuses
    // Over the byte budget the oldest go too, but never the event being published.
    while (s.max_bytes != 0 && s.oldest < id && s.bytes + ev->bytes > s.max_bytes) {
      evicted.push_back(s.evict_oldest());
    }
    ev->id = id;
    s.bytes += ev->bytes;
    s.slot(id) = std::move(ev);
    ++s.next_id;
    wake = s.waiters > 0;
    wakers = s.take_wakers();
  }
  if (wake) s.cv.notify_all();
  for (auto& w : wakers) w.second();
  return id;
}

EventStream EventBus::subscribe() {
  std::lock_guard lock(state_->mu);
  ++state_->subscribers;
  return EventStream(state_, state_->next_id);
}

EventStream EventBus::subscribe_after(uint64_t last_id) {
  std::lock_guard lock(state_->mu);
  ++state_->subscribers;
  // A cursor below the oldest held event makes the first next() a Lagged with the exact count.
  return EventStream(state_, std::min(last_id + 1, state_->next_id));
}

size_t EventBus::retained_bytes() const {
  std::lock_guard lock(state_->mu);
  return state_->bytes;
}

EventStream EventBus::subscribe_retained() {
  std::lock_guard lock(state_->mu);
  ++state_->subscribers;
  return EventStream(state_, state_->oldest_retained());
}

void EventBus::close() {
  std::vector<std::pair<uint64_t, std::function<void()>>> wakers;
  {
    std::lock_guard lock(state_->mu);
    if (state_->closed) return;
    state_->closed = true;
    wakers = state_->take_wakers();
  }
  state_->cv.notify_all();
  for (auto& w : wakers) w.second();
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
