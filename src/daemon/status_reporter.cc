#include "daemon/status_reporter.h"

#include <chrono>
#include <variant>

namespace vs {

namespace {

// How often the thread looks at stopping_ when the bus is quiet (the destructor waits this long
// at most; a normal shutdown closes the bus first, which wakes it at once).
constexpr std::chrono::milliseconds kPollStop{200};

}  // namespace

std::string worker_status_line(const std::string& state, std::optional<pid_t> pid, const std::string& detail) {
  std::string line = "worker " + state;
  if (pid) line += " (pid " + std::to_string(*pid) + ")";
  if (!detail.empty()) line += ": " + detail;
  return line;
}

StatusReporter::StatusReporter(EventBus& bus, Snapshot snapshot, SystemdNotifier& notifier)
    : stream_(bus.subscribe()), snapshot_(std::move(snapshot)), notifier_(notifier) {
  const WorkerSnapshot now = snapshot_();
  send(to_string(now.state), now.pid);
  thread_ = std::thread([this] { run(); });
}

StatusReporter::~StatusReporter() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void StatusReporter::run() {
  while (!stopping_) {
    NextResult next = stream_.next_for(kPollStop);
    if (std::holds_alternative<Closed>(next)) return;
    if (std::holds_alternative<Lagged>(next)) {
      // Changes went by unseen: say where the worker is now.
      const WorkerSnapshot now = snapshot_();
      send(to_string(now.state), now.pid);
      continue;
    }
    const auto* event = std::get_if<EventPtr>(&next);
    if (!event || (*event)->type != "worker_state") continue;
    const nlohmann::json& body = *(*event)->body;
    const std::string state = body.value("state", "");
    std::optional<pid_t> pid;
    if (auto it = body.find("pid"); it != body.end() && it->is_number_integer()) pid = it->get<pid_t>();
    send(state, pid);
  }
}

void StatusReporter::send(const std::string& state, std::optional<pid_t> pid) {
  // Why a worker is not running is what an operator looks at `systemctl status` for.
  std::string detail;
  if (state == "failed" || state == "backoff") detail = snapshot_().last_error;
  std::string line = worker_status_line(state, pid, detail);
  if (line == last_) return;
  notifier_.status(line);
  last_ = std::move(line);
}

}  // namespace vs
