// Checks on the merged configuration, run once (so the defaults are checked too: the reference's
// defaults failed its own validation, its defect 8): every numeric key against its range in the
// key table, then what one key cannot say alone — addresses, names, and one key against another.
#include <arpa/inet.h>
#include <sys/un.h>

#include <algorithm>
#include <optional>

#include "common/http_limits.h"
#include "common/strings.h"
#include "config/load_config.h"
#include "config/sources.h"
#include "config/value_parsers.h"

namespace vs::config_detail {
namespace {

class Checker {
 public:
  explicit Checker(const Origins& origins) : origins_(origins) {}

  [[noreturn]] void fail(const std::string& key, const std::string& expected, const std::string& got,
                         const std::string& after = "") const {
    throw ConfigError(key, "expected " + expected + ", got " + got + from(key) + after);
  }
  std::string from(const std::string& key) const {
    auto it = origins_.find(key);
    return it == origins_.end() ? "" : " (from " + it->second + ")";
  }

 private:
  const Origins& origins_;
};

void check_ranges(const Config& c, const Checker& ck) {
  for (const KeyDef& def : config_keys()) {
    const double value = def.field.number(c);
    if (!def.range || def.range->contains(value)) continue;
    const FieldType type = def.field.type;
    const bool mode = type == FieldType::kMode;
    ck.fail(def.key, (mode ? "a permission mode" : type_name(type)) + " " + broken_bound(*def.range, type, value),
            json_quoted(def.field.show(c)), mode ? "" : "; allowed: " + range_text(*def.range, type));
  }
}

// 127.0.0.0/8 in any form the resolver accepts ("127.1", as getaddrinfo binds it), ::1, an
// IPv4-mapped 127.x, or localhost.
bool is_loopback_host(const std::string& host) {
  if (to_lower(host) == "localhost") return true;
  in_addr v4{};
  if (inet_aton(host.c_str(), &v4) != 0) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

// "host:port" or "[v6]:port" → host (without brackets); nullopt when malformed.
std::optional<std::string> tcp_host(const std::string& address) {
  const bool bracketed = address.starts_with("[");
  const size_t colon = bracketed ? address.find("]:") + 1 : address.rfind(':');
  if (colon == std::string::npos || colon == 0) return {};
  const std::string host = bracketed ? address.substr(1, colon - 2) : address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  in6_addr v6{};
  if (bracketed && inet_pton(AF_INET6, host.c_str(), &v6) != 1) return {};
  if (!bracketed && host.find(':') != std::string::npos) return {};  // a bare IPv6 needs brackets
  if (host.empty() || host.find_first_of(" \t/") != std::string::npos) return {};
  const auto number = parse_int(port);
  if (port.size() > 5 || !number || *number < 0 || *number > 65535 || port[0] == '-') return {};
  return host;
}

void check_tcp_address(const Config& c, const Checker& ck) {
  const std::string& address = c.listen.address;
  const auto host = tcp_host(address);
  if (!host) {
    ck.fail("listen.address", "host:port (or [ipv6]:port) with a port in 0..65535 for tcp", json_quoted(address));
  }
  if (!is_loopback_host(*host) && c.auth.token.empty()) {
    throw ConfigError("listen.address", json_quoted(address) +
                                            " is not a loopback address; a non-loopback address needs "
                                            "auth.token (JARVIS_VOICE_SIDECAR_TOKEN)" + ck.from("listen.address"));
  }
}

void check_unix_address(const Config& c, const Origins& origins, const Checker& ck) {
  const std::string& address = c.listen.address;
  if (!address.starts_with("/")) {
    // The supervisor configured a Unix transport but did not say where: name its variable.
    const bool from_transport = origins.at("listen.network") == "env " + std::string(kEnvTransport);
    throw ConfigError(from_transport ? std::string(kEnvSocket) : "listen.address",
                      "expected an absolute socket path when listen.network is unix (set listen.address, "
                      "JARVIS_VOICE_SIDECAR_ADDRESS or JARVIS_VOICE_SIDECAR_SOCKET), got " +
                          json_quoted(address) + ck.from("listen.address"));
  }
  constexpr size_t kMax = sizeof(sockaddr_un{}.sun_path);
  if (address.size() >= kMax) {
    ck.fail("listen.address", "a socket path shorter than " + std::to_string(kMax) + " bytes", json_quoted(address));
  }
}

// wyoming.listen: "" (off), "tcp://host:port" or "unix:///absolute/path". Wyoming has no auth,
// so a non-loopback host needs wyoming.allow_remote: a typo must not expose the microphone path.
void check_wyoming(const WyomingConfig& w, const Checker& ck) {
  const std::string& listen = w.listen;
  if (listen.empty()) return;
  const std::string expected = "tcp://HOST:PORT or unix:///absolute/path";
  if (listen.starts_with("tcp://")) {
    const auto host = tcp_host(listen.substr(6));
    if (!host) ck.fail("wyoming.listen", expected + " (HOST:PORT with a port in 0..65535)", json_quoted(listen));
    if (!is_loopback_host(*host) && !w.allow_remote) {
      throw ConfigError("wyoming.listen", json_quoted(listen) +
                                              " is not a loopback address; Wyoming has no authentication, so a "
                                              "non-loopback address needs wyoming.allow_remote: true" +
                                              ck.from("wyoming.listen"));
    }
    return;
  }
  if (listen.starts_with("unix://")) {
    const std::string path = listen.substr(7);
    constexpr size_t kMax = sizeof(sockaddr_un{}.sun_path);
    if (!path.starts_with("/")) ck.fail("wyoming.listen", expected + " (an absolute socket path)", json_quoted(listen));
    if (path.size() >= kMax) {
      ck.fail("wyoming.listen", "a socket path shorter than " + std::to_string(kMax) + " bytes", json_quoted(listen));
    }
    return;
  }
  ck.fail("wyoming.listen", expected + " or empty (off)", json_quoted(listen));
}

// audio.file_dirs: absolute, so what a file recording may read does not depend on the directory
// the daemon happened to start in.
void check_file_dirs(const AudioConfig& a, const Checker& ck) {
  for (const std::string& dir : a.file_dirs) {
    if (!dir.starts_with("/")) ck.fail("audio.file_dirs", "absolute directory paths", json_quoted(dir));
  }
}

void check_words(const Config& c, const Checker& ck) {
  static const char* const kLevels[] = {"trace", "debug", "info", "warn", "error"};
  if (std::find(std::begin(kLevels), std::end(kLevels), c.log.level) == std::end(kLevels)) {
    ck.fail("log.level", "trace, debug, info, warn or error", json_quoted(c.log.level));
  }
  if (c.listen.network != "tcp" && c.listen.network != "unix") {
    ck.fail("listen.network", "tcp or unix", json_quoted(c.listen.network));
  }
  // It travels in an HTTP header: blanks and control characters would break or truncate it.
  if (std::any_of(c.auth.token.begin(), c.auth.token.end(),
                  [](char ch) { return static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f; })) {
    throw ConfigError("auth.token", "expected printable characters without blanks" + ck.from("auth.token"));
  }
  // A longer token could never arrive: the request head that carries it has a size limit.
  if (c.auth.token.size() > kMaxTokenBytes) {
    throw ConfigError("auth.token", "expected at most " + std::to_string(kMaxTokenBytes) + " bytes (a request head is "
                                        "limited to " + std::to_string(kRequestHeadLimit / 1024) + " KiB), got " +
                                        std::to_string(c.auth.token.size()) + " bytes" + ck.from("auth.token"));
  }
  if (c.pressure.proc_root.empty()) ck.fail("pressure.proc_root", "a directory", "\"\"");
  if (c.pressure.cgroup_root.empty()) ck.fail("pressure.cgroup_root", "a directory", "\"\"");
}

void check_worker(const WorkerConfig& w, const Checker& ck) {
  // An empty command is valid: it means the bundled worker (effective_worker_command()).
  const auto empty = std::find(w.command.begin(), w.command.end(), "");
  if (empty != w.command.end()) {
    ck.fail("worker.command", "non-empty words", "an empty word at position " + std::to_string(empty - w.command.begin()));
  }
  for (const auto& [name, value] : w.env) {
    if (name.empty() || name.find_first_of(std::string("=\0", 2)) != std::string::npos ||
        value.find('\0') != std::string::npos) {
      ck.fail("worker.env", "variable names without '=' and values without NUL", json_quoted(name));
    }
  }
}

// The words the worker would refuse at start, refused here first with the key's name. Whether the
// model can serve the language is the worker's to say: only it knows what is installed.
void check_stt(const SttConfig& s, const Checker& ck) {
  const auto one_of = [&](const char* key, const std::string& value, std::initializer_list<const char*> allowed,
                          const char* expected) {
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return value == a; })) {
      ck.fail(key, expected, json_quoted(value));
    }
  };
  one_of("stt.engine", s.engine, {"faster-whisper", "moonshine"}, "faster-whisper or moonshine");
  one_of("stt.task", s.task, {"transcribe", "translate"}, "transcribe or translate");
  one_of("stt.device", s.device, {"cpu", "cuda", "auto"}, "cpu, cuda or auto");
  one_of("stt.compute_type", s.compute_type,
         {"int8", "int8_float16", "int8_float32", "int8_bfloat16", "int16", "float16", "bfloat16", "float32",
          "default", "auto"},
         "int8, int8_float16, int8_float32, int8_bfloat16, int16, float16, bfloat16, float32, default or auto");
  const bool code = s.language.size() >= 2 && s.language.size() <= 3 &&
                    std::all_of(s.language.begin(), s.language.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
  if (!code && s.language != "auto") ck.fail("stt.language", "a lower-case language code (en, fr, de, ...) or auto",
                                              json_quoted(s.language));
  if (s.partial_beam_size > s.beam_size) {
    ck.fail("stt.partial_beam_size", "at most stt.beam_size (" + std::to_string(s.beam_size) + ")",
            json_quoted(std::to_string(s.partial_beam_size)));
  }
}

}  // namespace

void validate(const Config& c, const Origins& origins) {
  const Checker ck(origins);
  check_words(c, ck);
  if (c.listen.network == "tcp") check_tcp_address(c, ck);
  if (c.listen.network == "unix") check_unix_address(c, origins, ck);
  check_ranges(c, ck);
  check_worker(c.worker, ck);
  check_wyoming(c.wyoming, ck);
  check_file_dirs(c.audio, ck);
  check_stt(c.stt, ck);
  if (c.backoff.max_ms < c.backoff.initial_ms) {
    ck.fail("backoff.max_ms", "an integer >= backoff.initial_ms (" + std::to_string(c.backoff.initial_ms) + ")",
            json_quoted(std::to_string(c.backoff.max_ms)));
  }
}

}  // namespace vs::config_detail
