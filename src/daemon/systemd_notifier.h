// SystemdNotifier tells systemd how the daemon is doing, through sd_notify(3): READY=1 once it
// serves, STATUS= with the worker's state, WATCHDOG=1 keep-alives, RELOADING=1 around a reload
// and STOPPING=1 when shutdown begins.
//
// Outside systemd (no NOTIFY_SOCKET) every call does nothing, and so does a build without
// libsystemd (VS_HAVE_SYSTEMD undefined): the daemon calls it unconditionally and never needs
// to know whether it runs under systemd. Thread-safe: each message is one datagram.
//
//   SystemdNotifier sd;
//   sd.ready();
//   sd.status("worker running (pid 123)");
//   if (auto every = sd.watchdog_interval()) { ... sd.watchdog() every *every ... }
//   sd.stopping();
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

namespace vs {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID once. They stay in the environment: a
  // worker that inherits them cannot speak for the daemon (NotifyAccess=main).
  SystemdNotifier();

  // True when systemd listens (NOTIFY_SOCKET is set and libsystemd is built in).
  bool enabled() const { return enabled_; }

  void ready();
  void stopping();
  // RELOADING=1 with MONOTONIC_USEC (systemd 253+ wants the timestamp for Type=notify-reload;
  // older versions ignore it). Follow it with ready() once the reload is done.
  void reloading();
  void status(const std::string& text);
  void watchdog();

  // How often to send WATCHDOG=1: half of WATCHDOG_USEC, when systemd watches this process
  // (WatchdogSec= set, WATCHDOG_PID unset or ours); nullopt otherwise.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_interval_; }

 private:
  void send(const std::string& state);

  bool enabled_ = false;
  std::atomic<bool> warned_{false};  // a failed send is logged once, not at every keep-alive
  std::optional<std::chrono::microseconds> watchdog_interval_;
};

}  // namespace vs
