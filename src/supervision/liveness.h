// Liveness is the pure ping/pong bookkeeping of a running worker (DESIGN.md §5): a ping every
// ping_interval_ms with a unique id, each one missed when unanswered for ping_timeout_ms, and
// ping_failure_limit misses in a row mean the worker hangs. No I/O and no clock: the actor
// passes `now`, sends what due_ping() returns and sleeps until next_deadline().
//
// Pings are not serialised: with interval < timeout several are outstanding, so a hang is
// detected after about interval*limit + timeout. A pong answers its ping and every older one
// (the worker's reader handles lines in order, so the older ones are merely late).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "common/time_format.h"

namespace vs {

class Liveness {
 public:
  enum class Verdict { Ok, Missed, Hung };

  Liveness(std::chrono::milliseconds interval, std::chrono::milliseconds timeout, int failure_limit);

  // The worker became ready: the first ping goes out one interval from now.
  void reset(SteadyTime now);

  // The id of a ping to send now, if one is due.
  std::optional<std::string> due_ping(SteadyTime now);

  // A pong arrived; true when it answered an outstanding ping (the miss count is cleared).
  bool on_pong(const std::string& id, SteadyTime now);

  // Expires pings unanswered for the timeout. Hung once failure_limit were missed in a row.
  Verdict check(SteadyTime now);

  // When due_ping() or check() next has something to do.
  SteadyTime next_deadline() const;

  int failures() const { return failures_; }
  std::optional<SteadyTime> last_pong() const { return last_pong_; }

 private:
  std::chrono::milliseconds interval_, timeout_;
  int failure_limit_;
  uint64_t next_id_ = 0;
  SteadyTime next_ping_at_{};
  std::deque<std::pair<std::string, SteadyTime>> outstanding_;
  int failures_ = 0;
  std::optional<SteadyTime> last_pong_;
};

}  // namespace vs
