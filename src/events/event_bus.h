// EventBus is a bounded broadcast: one or more publishers, any number of subscribers, and a
// slow subscriber never slows a publisher or another subscriber.
//
// The bus keeps the last `capacity` events in a ring, and at most `max_bytes` of them (the
// oldest go first), so a burst of huge events cannot pin memory. Each EventStream has its own cursor;
// a stream that falls more than `capacity` events behind skips ahead and is told how many it
// missed (a Lagged result) instead of blocking anyone — the ADR-013 broadcast, done right.
//
// Readers get a std::shared_ptr<const Event> to the ring's own object rather than a copy:
// with N subscribers an event (and its JSON body) exists once, not N+1 times, and a reader
// copies nothing while the publisher holds the lock. The event stays alive for as long as any
// reader holds it, even after the ring has overwritten its slot.
//
//   EventBus bus(1024);
//   EventStream s = bus.subscribe();        // sees events published from now on
//   bus.publish({{"type", "pong"}, {"id", "1"}});
//   auto r = s.next(deadline);              // shared_ptr<const Event>, Lagged{n}, Closed or TimedOut
//   s.wake_when_ready([&io] { post(io, ...); });  // or be called back instead of waiting
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <variant>
#include <vector>

#include "events/event.h"

namespace vs {

struct Lagged {
  uint64_t missed = 0;
};
struct Closed {};
struct TimedOut {};
using EventPtr = std::shared_ptr<const Event>;  // never null when returned by next()
using NextResult = std::variant<EventPtr, Lagged, Closed, TimedOut>;

class EventBus;

// A subscriber's cursor into an EventBus. Movable; unsubscribes when destroyed.
class EventStream {
 public:
  EventStream() = default;
  ~EventStream();
  EventStream(EventStream&&) noexcept;
  EventStream& operator=(EventStream&&) noexcept;
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Waits until the next event, a lag notice, the bus closing, or the deadline.
  NextResult next(std::chrono::steady_clock::time_point deadline);
  NextResult next_for(std::chrono::milliseconds timeout) {
    return next(std::chrono::steady_clock::now() + timeout);
  }
  // next() without waiting: TimedOut when nothing is there yet.
  NextResult poll() { return next(std::chrono::steady_clock::time_point::min()); }

  // For readers that must not wait on a thread (the HTTP server's event streams): asks the bus
  // to call `wake` once, on the publishing (or closing) thread and outside the bus's lock, when
  // poll() has something new. Returns false, and keeps nothing, when it has something already.
  // A later call replaces an earlier one; destroying the stream cancels it.
  bool wake_when_ready(std::function<void()> wake);

 private:
  friend class EventBus;
  struct State;
  EventStream(std::shared_ptr<State> shared, uint64_t cursor);
  std::shared_ptr<State> shared_;
  uint64_t cursor_ = 0;  // id of the next event this stream will read
  uint64_t token_ = 0;   // names this stream's wake request in the bus
};

class EventBus {
 public:
  explicit EventBus(size_t capacity, size_t max_bytes = 0);  // max_bytes 0: count only
  ~EventBus();  // closes the bus: waiting streams get Closed

  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Publishes body (which must hold "type"); returns the event's id. Never blocks on readers.
  // After close() the body is dropped and 0 is returned.
  // `bytes` is the event's size for the byte budget (the worker line's length); 0 means small.
  uint64_t publish(nlohmann::json body, size_t bytes = 0);
  // Same, for a body that is already shared (e.g. an event forwarded from another bus): the new
  // Event gets its own id and time but points at `body` instead of copying it. A null body is
  // published as a JSON null.
  uint64_t publish(std::shared_ptr<const nlohmann::json> body, size_t bytes = 0);

  EventStream subscribe();
  // Like subscribe(), but starts at the oldest event still in the ring. Subscribing to a fresh
  // Sidecar's bus this way cannot miss the worker's first lines (e.g. `ready`), however late
  // the subscriber comes, as long as fewer than `capacity` events were published before.
  EventStream subscribe_retained();

  // Resumes after event `last_id` (an SSE Last-Event-ID): replays what the ring still holds
  // after it; if some of that is gone, the first next() says how many with Lagged.
  EventStream subscribe_after(uint64_t last_id);

  // After close, streams drain what is buffered and then get Closed.
  void close();

  uint64_t published() const;      // events published so far
  size_t subscribers() const;      // live EventStreams
  uint64_t lagged_events() const;  // events skipped by lagging subscribers, summed
  size_t capacity() const;
  size_t retained_bytes() const;   // sizes of the events held now

 private:
  std::shared_ptr<EventStream::State> state_;
};

}  // namespace vs
