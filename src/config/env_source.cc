// The JARVIS_VOICE_SIDECAR_* layer. Besides the daemon's own names it understands the
// supervisor's TRANSPORT / BASE_URL / SOCKET, which the reference daemon ignored (its defect 7:
// a Unix transport had to be configured twice), and it rejects any other name with the prefix,
// because a misspelt variable would otherwise be silently ignored.
#include <algorithm>
#include <optional>

#include "common/strings.h"
#include "config/load_config.h"
#include "config/sources.h"
#include "config/value_parsers.h"

extern char** environ;

namespace vs {

std::map<std::string, std::string> environment_map() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    out.emplace(entry.substr(0, eq), entry.substr(eq + 1));  // first one wins, as in getenv
  }
  return out;
}

}  // namespace vs

namespace vs::config_detail {

Setting text_setting(const KeyDef& def, std::string name, std::string text, std::string origin) {
  return {&def, std::move(name), ConfigNode::of_text(std::move(text)), true, origin, origin};
}

namespace {

using Env = std::map<std::string, std::string>;

// An empty variable counts as unset, as in the reference (Go's `if v := os.Getenv(k); v != ""`)
// and as with `VAR= command`.
std::optional<std::string> get(const Env& env, std::string_view name) {
  const auto it = env.find(std::string(name));
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string transport_network(const std::string& transport) {
  const std::string t = to_lower(transport);
  if (t == "http") return "tcp";
  if (t == "unix") return "unix";
  throw ConfigError(std::string(kEnvTransport), "expected http or unix, got " + json_quoted(transport));
}

// http://host[:port][/] → "host:port". The daemon must listen where the supervisor will connect,
// so anything it could not listen on (https, a path prefix, credentials) is an error.
std::string address_from_base_url(const std::string& url) {
  auto fail = [&](const std::string& why) {
    throw ConfigError(std::string(kEnvBaseUrl), "expected http://host:port, got " + json_quoted(url) + " (" + why + ")");
  };
  const std::string lower = to_lower(url);
  if (lower.starts_with("https://")) fail("the daemon does not serve TLS");
  if (!lower.starts_with("http://")) fail("not an http:// URL");
  std::string rest = url.substr(7);
  if (rest.ends_with("/")) rest.pop_back();
  if (rest.find_first_of("/?#") != std::string::npos) fail("a path, query or fragment");
  if (rest.find('@') != std::string::npos) fail("credentials in the URL");
  if (rest.empty()) fail("no host");
  const size_t close = rest.front() == '[' ? rest.find(']') : 0;
  if (close == std::string::npos) fail("an unclosed [");
  return rest.find(':', close) == std::string::npos ? rest + ":80" : rest;  // no port means 80
}

// The supervisor's TRANSPORT / BASE_URL / SOCKET say what NETWORK / ADDRESS say, in its words.
// Given with the daemon's own name too, both must agree; otherwise they set the key themselves.
class SupervisorNames {
 public:
  SupervisorNames(const Env& env, std::vector<Setting>& out) : env_(env), out_(out) {}

  void add(const std::string& network_so_far) {
    const std::string own_network = std::string(kEnvPrefix) + "NETWORK";
    std::string network = to_lower(get(env_, own_network).value_or(network_so_far));
    if (const auto transport = get(env_, kEnvTransport)) {
      const std::string mapped = transport_network(*transport);
      if (!get(env_, own_network)) network = mapped;
      set("listen.network", own_network, kEnvTransport, *transport, mapped);
    }
    // With unix, BASE_URL is only the Host the supervisor sends through the socket, and with
    // tcp, SOCKET is a path it would use for unix only: neither is then an address.
    const std::string own_address = std::string(kEnvPrefix) + "ADDRESS";
    if (const auto socket = get(env_, kEnvSocket); socket && network == "unix") {
      set("listen.address", own_address, kEnvSocket, *socket, *socket);
    }
    if (const auto url = get(env_, kEnvBaseUrl); url && network != "unix") {
      set("listen.address", own_address, kEnvBaseUrl, *url, address_from_base_url(*url));
    }
  }

 private:
  void set(const std::string& key, const std::string& own_name, std::string_view name,
           const std::string& written, const std::string& value) {
    if (const auto own = get(env_, own_name)) {
      const bool agree = key == "listen.network" ? to_lower(*own) == value : *own == value;
      if (!agree) {
        throw ConfigError(std::string(name), json_quoted(written) + " contradicts " + own_name + "=" +
                                                 json_quoted(*own) + "; set one of them, or both to the same value");
      }
      return;
    }
    out_.push_back(text_setting(*find_key(key), std::string(name), value, "env " + std::string(name)));
  }

  const Env& env_;
  std::vector<Setting>& out_;
};

bool supervisor_name(const std::string& name) {
  const auto& only = supervisor_only_env_names();
  return name == kEnvTransport || name == kEnvBaseUrl || name == kEnvSocket ||
         std::find(only.begin(), only.end(), name) != only.end();
}

}  // namespace

std::vector<Setting> read_env(const Env& env, const std::string& network_so_far) {
  std::vector<Setting> out;
  for (const auto& [name, value] : env) {
    if (!name.starts_with(kEnvPrefix) || supervisor_name(name)) continue;
    const KeyDef* def = find_env_key(name);
    // Checked even when empty: the name is the typo.
    if (def == nullptr) throw ConfigError(name, "unknown " + std::string(kEnvPrefix) + "* variable (a typo?)");
    if (!value.empty()) out.push_back(text_setting(*def, name, value, "env " + name));
  }
  SupervisorNames(env, out).add(network_so_far);
  return out;
}

}  // namespace vs::config_detail
