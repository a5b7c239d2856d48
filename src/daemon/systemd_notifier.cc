#include "daemon/systemd_notifier.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <spdlog/spdlog.h>

#ifdef VS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace vs {

#ifdef VS_HAVE_SYSTEMD

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && socket[0] != '\0';
  uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID is unset or names this process.
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::chrono::microseconds(usec / 2);
  }
}

void SystemdNotifier::send(const std::string& state) {
  if (!enabled_) return;
  const int rc = sd_notify(0, state.c_str());
  if (rc <= 0 && !warned_.exchange(true)) {
    spdlog::warn("systemd: cannot notify {} ({}); later failures are not logged", std::getenv("NOTIFY_SOCKET"),
                 rc < 0 ? std::strerror(-rc) : "NOTIFY_SOCKET unusable");
  }
}

void SystemdNotifier::reloading() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const uint64_t usec = static_cast<uint64_t>(now.tv_sec) * 1000000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

#else  // built without libsystemd: nothing to talk to

SystemdNotifier::SystemdNotifier() = default;
void SystemdNotifier::send(const std::string&) {}
void SystemdNotifier::reloading() {}

#endif

void SystemdNotifier::ready() { send("READY=1"); }
void SystemdNotifier::stopping() { send("STOPPING=1"); }
void SystemdNotifier::watchdog() { send("WATCHDOG=1"); }

void SystemdNotifier::status(const std::string& text) {
  // One line: a newline would start another assignment in the datagram.
  std::string line = text.substr(0, text.find('\n'));
  send("STATUS=" + line);
}

}  // namespace vs
