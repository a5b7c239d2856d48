// Range and cross-field checks, run once on the merged configuration (so the defaults are
// checked too: the reference's defaults failed its own validation, its defect 8).
#include <arpa/inet.h>
#include <sys/un.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <cstring>

#include "config/load_config.h"
#include "config/sources.h"
#include "config/value_parsers.h"

namespace vs::config_detail {
namespace {

class Checker {
 public:
  explicit Checker(const Origins& origins) : origins_(origins) {}

  [[noreturn]] void fail(const std::string& key, const std::string& expected,
                         const std::string& got) const {
    throw ConfigError(key, "expected " + expected + ", got " + got + from(key));
  }

  void positive(const std::string& key, int value) const {
    if (value <= 0) fail(key, "an integer > 0", json_quoted(std::to_string(value)));
  }
  void at_least(const std::string& key, int value, int min) const {
    if (value < min) {
      fail(key, "an integer >= " + std::to_string(min), json_quoted(std::to_string(value)));
    }
  }
  void percent(const std::string& key, double value) const {
    if (!(value > 0 && value <= 100)) {
      fail(key, "a percentage in (0, 100]", json_quoted(format_double(value)));
    }
  }

  std::string from(const std::string& key) const {
    auto it = origins_.find(key);
    return it == origins_.end() ? "" : " (from " + it->second + ")";
  }

 private:
  const Origins& origins_;
};

bool is_loopback_host(const std::string& host) {
  if (to_lower(host) == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

// "host:port" or "[v6]:port" → host (without brackets); nullopt when malformed.
std::optional<std::string> tcp_host(const std::string& address) {
  std::string host, port;
  if (address.starts_with("[")) {
    const size_t close = address.find(']');
    if (close == std::string::npos || address.compare(close + 1, 1, ":") != 0) return {};
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return {};
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos) return {};
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != std::string::npos) return {};  // a bare IPv6 needs brackets
  }
  if (host.empty() || host.find_first_of(" \t/") != std::string::npos) return {};
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return {};
  }
  return host;
}

void validate_listen(const Config& c, const Origins& origins, const Checker& ck) {
  const ListenConfig& l = c.listen;
  if (l.network != "tcp" && l.network != "unix") {
    ck.fail("listen.network", "tcp or unix", json_quoted(l.network));
  }
  if (l.network == "tcp") {
    const auto host = tcp_host(l.address);
    if (!host) {
      ck.fail("listen.address", "host:port (or [ipv6]:port) with a port in 0..65535 for tcp",
              json_quoted(l.address));
    }
    if (!is_loopback_host(*host) && c.auth.token.empty()) {
      throw ConfigError("listen.address",
                        json_quoted(l.address) + " is not a loopback address; a non-loopback "
                        "address needs auth.token (JARVIS_VOICE_SIDECAR_TOKEN)" +
                            ck.from("listen.address"));
    }
  } else {
    const bool absolute = l.address.starts_with("/");
    if (!absolute) {
      // The supervisor configured a Unix transport but did not say where.
      auto it = origins.find("listen.network");
      const bool from_transport =
          it != origins.end() && it->second == "env " + std::string(kEnvTransport);
      const std::string key = from_transport ? std::string(kEnvSocket) : "listen.address";
      throw ConfigError(key, "expected an absolute socket path when listen.network is unix "
                             "(set listen.address, JARVIS_VOICE_SIDECAR_ADDRESS or "
                             "JARVIS_VOICE_SIDECAR_SOCKET), got " +
                                 json_quoted(l.address) + ck.from("listen.address"));
    }
    if (l.address.size() >= sizeof(sockaddr_un{}.sun_path)) {
      ck.fail("listen.address",
              "a socket path shorter than " + std::to_string(sizeof(sockaddr_un{}.sun_path)) +
                  " bytes",
              json_quoted(l.address));
    }
  }
  if (l.socket_mode > 0777) {
    ck.fail("listen.socket_mode", "a permission mode in 0000..0777",
            json_quoted(format_mode(l.socket_mode)));
  }
  ck.positive("listen.body_limit_bytes", l.body_limit_bytes);
  ck.positive("listen.read_timeout_ms", l.read_timeout_ms);
  for (char ch : c.auth.token) {
    // It travels in an HTTP header: blanks and control characters would break or truncate it.
    if (static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f) {
      throw ConfigError("auth.token", "expected printable characters without blanks" +
                                          ck.from("auth.token"));
    }
  }
}

void validate_pressure(const PressureConfig& p, const Checker& ck) {
  if (!(p.min_available_memory_mb >= 0)) {
    ck.fail("pressure.min_available_memory_mb", "a number >= 0",
            json_quoted(format_double(p.min_available_memory_mb)));
  }
  ck.percent("pressure.max_memory_percent", p.max_memory_percent);
  ck.percent("pressure.max_cpu_percent", p.max_cpu_percent);
  if (!(p.max_psi_some_avg10 >= 0 && p.max_psi_some_avg10 <= 100)) {
    ck.fail("pressure.max_psi_some_avg10", "a number in [0, 100] (0 = not checked)",
            json_quoted(format_double(p.max_psi_some_avg10)));
  }
  ck.positive("pressure.monitor_interval_ms", p.monitor_interval_ms);
  ck.positive("pressure.sample_timeout_ms", p.sample_timeout_ms);
  ck.at_least("pressure.reopen_after_samples", p.reopen_after_samples, 1);
  if (p.proc_root.empty()) ck.fail("pressure.proc_root", "a directory", "\"\"");
  if (p.cgroup_root.empty()) ck.fail("pressure.cgroup_root", "a directory", "\"\"");
}

void validate_worker(const WorkerConfig& w, const Checker& ck) {
  // An empty command is valid: it means the bundled worker (effective_worker_command()).
  for (size_t i = 0; i < w.command.size(); ++i) {
    if (w.command[i].empty()) {
      ck.fail("worker.command", "non-empty words", "an empty word at position " +
                                                        std::to_string(i));
    }
  }
  for (const auto& [name, value] : w.env) {
    if (name.empty() || name.find('=') != std::string::npos ||
        name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
      ck.fail("worker.env", "variable names without '=' and values without NUL",
              json_quoted(name));
    }
  }
  ck.positive("worker.start_timeout_ms", w.start_timeout_ms);
  ck.positive("worker.stop_timeout_ms", w.stop_timeout_ms);
  ck.positive("worker.kill_timeout_ms", w.kill_timeout_ms);
  ck.positive("worker.ping_interval_ms", w.ping_interval_ms);
  ck.positive("worker.ping_timeout_ms", w.ping_timeout_ms);
  ck.at_least("worker.ping_failure_limit", w.ping_failure_limit, 1);
  ck.positive("worker.startup_poll_ms", w.startup_poll_ms);
}

void validate_backoff(const BackoffConfig& b, const Checker& ck) {
  ck.positive("backoff.initial_ms", b.initial_ms);
  if (b.max_ms < b.initial_ms) {
    ck.fail("backoff.max_ms", "an integer >= backoff.initial_ms (" +
                                  std::to_string(b.initial_ms) + ")",
            json_quoted(std::to_string(b.max_ms)));
  }
  if (!(b.multiplier >= 1)) {
    ck.fail("backoff.multiplier", "a number >= 1", json_quoted(format_double(b.multiplier)));
  }
  if (!(b.jitter >= 0 && b.jitter < 1)) {
    ck.fail("backoff.jitter", "a number in [0, 1)", json_quoted(format_double(b.jitter)));
  }
  ck.positive("backoff.stable_after_ms", b.stable_after_ms);
  ck.at_least("backoff.max_restarts", b.max_restarts, 0);
  ck.positive("backoff.restart_window_ms", b.restart_window_ms);
}

}  // namespace

void validate(const Config& c, const Origins& origins) {
  const Checker ck(origins);
  validate_listen(c, origins, ck);
  validate_pressure(c.pressure, ck);
  validate_worker(c.worker, ck);
  validate_backoff(c.backoff, ck);
  ck.positive("ipc.sink_queue_frames", c.ipc.sink_queue_frames);
  ck.positive("ipc.max_line_bytes", c.ipc.max_line_bytes);
  ck.positive("ipc.event_buffer", c.ipc.event_buffer);
  ck.at_least("ipc.event_buffer_bytes", c.ipc.event_buffer_bytes, 64 * 1024);
  ck.at_least("ipc.pipe_bytes", c.ipc.pipe_bytes, 0);
  // A ring under 0.5 s would overflow on ordinary scheduling hiccups; over 60 s hides a hung
  // worker for too long (and the producer's memory is allocated up front).
  if (!(c.audio.buffer_seconds >= 0.5 && c.audio.buffer_seconds <= 60)) {
    ck.fail("audio.buffer_seconds", "a number of seconds in [0.5, 60]", json_quoted(format_double(c.audio.buffer_seconds)));
  }
  if (!(c.audio.replay_seconds >= 0 && c.audio.replay_seconds <= 600)) {
    ck.fail("audio.replay_seconds", "a number of seconds in [0, 600]", json_quoted(format_double(c.audio.replay_seconds)));
  }
  ck.positive("audio.flush_timeout_ms", c.audio.flush_timeout_ms);
  static const char* const kLevels[] = {"trace", "debug", "info", "warn", "error"};
  if (std::find(std::begin(kLevels), std::end(kLevels), c.log.level) == std::end(kLevels)) {
    ck.fail("log.level", "trace, debug, info, warn or error", json_quoted(c.log.level));
  }
  ck.positive("control_timeout_ms", c.control_timeout_ms);
}

}  // namespace vs::config_detail
