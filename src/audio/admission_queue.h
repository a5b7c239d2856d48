// AdmissionQueue is the one first-in first-out queue every door goes through to start a
// recording: at most `capacity` tickets are admitted at once, the rest wait in arrival order.
// A door joins and gets a Ticket; `on_admitted` is called once, when a slot is the ticket's — at
// once inside join() when a slot is free and nobody waits, otherwise on the thread that
// releases an earlier ticket. Destroying a Ticket gives its slot up (or leaves the queue, for a
// ticket still waiting). Thread-safe. A deadline is either the caller's (its own timer destroys
// the waiting ticket) or the queue's: a ticket joined with one leaves the queue when expire()
// finds it passed, and its on_timeout runs; the owner of the queue calls expire() from a clock
// thread. The injected clock times each wait for the metrics.
//
//   AdmissionQueue admission(4);
//   auto ticket = admission.join([weak, ex] { post(ex, [weak] { ...start the recording... }); });
//   auto now = admission.try_join();  // a door that does not wait: null when it would have to
//   ticket.reset();                   // the next waiter's on_admitted runs
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace vs {

class AdmissionQueue {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  class Ticket {
   public:
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    bool admitted() const;
    // Tickets ahead of this one in the queue (0 once admitted).
    size_t ahead() const;

   private:
    friend class AdmissionQueue;
    struct State;
    Ticket(std::shared_ptr<State> state, uint64_t id) : state_(std::move(state)), id_(id) {}
    std::shared_ptr<State> state_;
    uint64_t id_;
  };

  // `on_wait` hears, for each admitted ticket, how long it waited (0 for one admitted at once).
  explicit AdmissionQueue(size_t capacity, std::function<void(std::chrono::nanoseconds)> on_wait = nullptr,
                          Clock clock = std::chrono::steady_clock::now);
  ~AdmissionQueue();
  AdmissionQueue(const AdmissionQueue&) = delete;
  AdmissionQueue& operator=(const AdmissionQueue&) = delete;

  std::unique_ptr<Ticket> join(std::function<void()> on_admitted);
  // The same, waiting at most until `deadline`: then the ticket leaves the queue and `on_timeout`
  // runs instead of `on_admitted` (exactly one of them runs).
  std::unique_ptr<Ticket> join(std::function<void()> on_admitted, std::chrono::steady_clock::time_point deadline,
                               std::function<void()> on_timeout);
  // Ends the wait of every ticket whose deadline is before `now` (their on_timeout runs here).
  void expire(std::chrono::steady_clock::time_point now);
  // Admitted at once, or null (nothing joins): for a door that answers "busy" rather than wait.
  std::unique_ptr<Ticket> try_join();

  size_t capacity() const;
  size_t admitted() const;  // tickets holding a slot
  size_t waiting() const;   // tickets in the queue behind them

 private:
  std::shared_ptr<Ticket::State> state_;
};

}  // namespace vs
