// ActorMailbox carries the Supervisor actor's internal events (worker lines, gate transitions,
// shutdown, the watchdog's heartbeat, reloaded backoff numbers and stt settings) from any thread, and wakes the actor through an eventfd so it can poll() that
// together with the worker's pidfd. It is shared_ptr-owned: the gate's listener keeps it
// alive and posting to a closed mailbox is a no-op, so a listener that outlives the
// Supervisor is harmless (HeavyLoadGate has no way to remove a listener).
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>

#include "common/unique_fd.h"
#include "config/config.h"
#include "worker_pipe/wire_messages.h"

namespace vs {

struct ActorEvent {
  enum class Kind { WorkerLine, GateChanged, Begin, Shutdown, Heartbeat, BackoffChanged, SttChanged } kind;
  uint64_t generation = 0;  // WorkerLine: which instance
  WorkerMessage message{};  // WorkerLine: ready or pong
  bool gate_open = false;   // GateChanged
  bool memory_pressure = false;
  std::string reason{};
  std::function<void()> reply{};  // Heartbeat: called on the actor thread
  BackoffConfig backoff{};        // BackoffChanged
  SttConfig stt{};                // SttChanged
};

class ActorMailbox {
 public:
  ActorMailbox() : efd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!efd_) throw std::system_error(errno, std::system_category(), "eventfd");
  }

  int fd() const { return efd_.get(); }

  void post(ActorEvent ev) {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      events_.push_back(std::move(ev));
    }
    wake();
  }

  void wake() {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(efd_.get(), &one, sizeof one);
  }

  std::deque<ActorEvent> drain() {
    uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(efd_.get(), &count, sizeof count);
    std::lock_guard lock(mu_);
    std::deque<ActorEvent> out;
    out.swap(events_);
    return out;
  }

  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    events_.clear();
  }

 private:
  UniqueFd efd_;
  std::mutex mu_;
  std::deque<ActorEvent> events_;
  bool closed_ = false;
};

}  // namespace vs
