// WatchdogHeartbeat decides, at each systemd watchdog tick, whether the daemon may say WATCHDOG=1:
// only when the round it sent at the previous tick has come back. A round is a token carried
// through the loops that must keep turning for the daemon to be of any use — the supervisor
// actor's mailbox, then every HTTP I/O thread — so a wedged actor or I/O thread stops the
// keep-alives and systemd restarts the daemon, while a merely idle daemon keeps them going.
//
//   WatchdogHeartbeat beat([&](auto back) { supervisor.heartbeat([&, back] { server.visit_io_threads(back); }); });
//   every interval:  if (beat.tick()) notifier.watchdog();
//
// tick() is called from one thread (the daemon's main loop); `back` may run on any thread, and
// harmlessly after the heartbeat is gone.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

namespace vs {

class WatchdogHeartbeat {
 public:
  // Sends `back` on its way through the loops; whoever is last calls it.
  using Route = std::function<void(std::function<void()> back)>;

  explicit WatchdogHeartbeat(Route route) : route_(std::move(route)) {}

  // True when the last round came back (the first tick has none to wait for); then the next
  // round goes out. False while a round is still out: the caller withholds WATCHDOG=1.
  bool tick() {
    if (returned_->load(std::memory_order_acquire) != sent_) {
      ++missed_;
      return false;
    }
    missed_ = 0;
    ++sent_;
    route_([returned = returned_, round = sent_] { returned->store(round, std::memory_order_release); });
    return true;
  }

  // Ticks in a row that found the round still out (0 while healthy), for the log.
  uint64_t missed() const { return missed_; }

 private:
  Route route_;
  // Shared with the rounds in flight: one that comes back late finds it still there.
  std::shared_ptr<std::atomic<uint64_t>> returned_ = std::make_shared<std::atomic<uint64_t>>(0);
  uint64_t sent_ = 0;
  uint64_t missed_ = 0;
};

}  // namespace vs
