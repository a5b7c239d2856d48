// TurnQueue hands out the one recording slot (there is one worker) to Wyoming connections in
// arrival order. A connection joins and gets a Ticket; `on_turn` is called once, when the
// ticket is first in line — at once inside join() if nobody holds the slot, otherwise on the
// thread that releases the previous ticket. Destroying a Ticket gives the turn up (or leaves
// the queue, for a ticket still waiting). Pure and thread-safe; the timeout is the caller's
// (a session's timer destroys its waiting ticket and says why).
//
//   TurnQueue turns;
//   auto ticket = turns.join([weak, ex] { post(ex, [weak] { ...start the recording... }); });
//   ...
//   ticket.reset();   // the next connection's on_turn runs
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace vs {

class TurnQueue {
 public:
  class Ticket {
   public:
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    bool holds_turn() const;
    // Tickets ahead of this one (0 when it holds the turn).
    size_t ahead() const;

   private:
    friend class TurnQueue;
    struct State;
    Ticket(std::shared_ptr<State> state, uint64_t id) : state_(std::move(state)), id_(id) {}
    std::shared_ptr<State> state_;
    uint64_t id_;
  };

  TurnQueue();
  ~TurnQueue();
  TurnQueue(const TurnQueue&) = delete;
  TurnQueue& operator=(const TurnQueue&) = delete;

  std::unique_ptr<Ticket> join(std::function<void()> on_turn);
  // Tickets waiting, not counting the holder.
  size_t waiting() const;
  bool busy() const;

 private:
  std::shared_ptr<Ticket::State> state_;
};

}  // namespace vs
