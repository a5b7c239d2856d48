// StatusReporter keeps systemd's one-line status (`systemctl status`, STATUS=) on the worker's
// state: a thread of its own follows the worker_state events on the daemon's bus and sends
// "worker running (pid 123)" at each change — never the supervisor's thread, which must not wait
// on a datagram. It ends when the bus closes, or at destruction.
//
//   StatusReporter status(bus, [&] { return supervisor.snapshot(); }, notifier);  // before begin()
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "daemon/systemd_notifier.h"
#include "events/event_bus.h"
#include "supervision/worker_state.h"

namespace vs {

// "worker running (pid 123)", "worker backoff: <why>", "worker stopped".
std::string worker_status_line(const std::string& state, std::optional<pid_t> pid, const std::string& detail);

class StatusReporter {
 public:
  using Snapshot = std::function<WorkerSnapshot()>;

  // Subscribes at once (so no change after this is missed) and sends the current state.
  StatusReporter(EventBus& bus, Snapshot snapshot, SystemdNotifier& notifier);
  ~StatusReporter();

  StatusReporter(const StatusReporter&) = delete;
  StatusReporter& operator=(const StatusReporter&) = delete;

 private:
  void run();
  void send(const std::string& state, std::optional<pid_t> pid);

  EventStream stream_;
  Snapshot snapshot_;
  SystemdNotifier& notifier_;
  std::string last_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace vs
