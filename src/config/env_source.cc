// The JARVIS_VOICE_SIDECAR_* layer. Besides the daemon's own names it understands the
// supervisor's TRANSPORT / BASE_URL / SOCKET, which the reference daemon ignored (its defect 7:
// a Unix transport had to be configured twice), and it rejects any other name with the prefix,
// because a misspelt variable would otherwise be silently ignored.
#include <algorithm>

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
namespace {

const std::string kNetworkEnv = std::string(kEnvPrefix) + "NETWORK";
const std::string kAddressEnv = std::string(kEnvPrefix) + "ADDRESS";

Setting text_setting(const KeyDef& def, const std::string& env_name, const std::string& text) {
  Setting s;
  s.def = &def;
  s.name = env_name;
  s.value.scalar = text;
  s.value.from_text = true;
  s.origin = "env " + env_name;
  s.where = s.origin;
  return s;
}

// http://host[:port][/] → "host:port". The daemon must listen where the supervisor will connect,
// so anything it could not listen on (https, a path prefix, credentials) is an error.
std::string address_from_base_url(const std::string& url) {
  const std::string name(kEnvBaseUrl);
  auto fail = [&](const std::string& why) {
    throw ConfigError(name,
                      "expected http://host:port, got " + json_quoted(url) + " (" + why + ")");
  };
  const std::string lower = to_lower(url);
  if (lower.starts_with("https://")) fail("the daemon does not serve TLS");
  if (!lower.starts_with("http://")) fail("not an http:// URL");
  std::string rest = url.substr(7);
  if (rest.ends_with("/")) rest.pop_back();
  if (rest.find_first_of("/?#") != std::string::npos) fail("a path, query or fragment");
  if (rest.find('@') != std::string::npos) fail("credentials in the URL");
  if (rest.empty()) fail("no host");
  // The port is optional in a URL and then means 80.
  const bool bracketed = rest.front() == '[';
  const size_t close = bracketed ? rest.find(']') : std::string::npos;
  if (bracketed && close == std::string::npos) fail("an unclosed [");
  const size_t colon = rest.find(':', bracketed ? close : 0);
  if (colon == std::string::npos) return rest + ":80";
  return rest;
}

// `b_shown` is b's text as written when b_value is a translation of it (TRANSPORT=http → tcp).
void check_agree(std::string_view a_name, const std::string& a_value, std::string_view b_name,
                 const std::string& b_value, const std::string* b_shown = nullptr) {
  if (a_value != b_value) {
    throw ConfigError(std::string(b_name),
                      json_quoted(b_shown ? *b_shown : b_value) + " contradicts " +
                          std::string(a_name) + "=" + json_quoted(a_value) +
                          "; set one of them, or both to the same value");
  }
}

}  // namespace

std::vector<Setting> read_env(const std::map<std::string, std::string>& env,
                              const std::string& network_so_far) {
  std::vector<Setting> out;
  std::map<const KeyDef*, const std::string*> first_name;  // to catch an alias contradicting
  std::optional<std::string> transport, base_url, socket;
  std::optional<std::string> network, address;

  for (const auto& [name, value] : env) {
    if (!name.starts_with(kEnvPrefix)) continue;
    const auto& ignored = supervisor_only_env_names();
    if (std::find(ignored.begin(), ignored.end(), name) != ignored.end()) continue;
    // An empty variable counts as unset, as in the reference (Go's `if v := os.Getenv(k); v != ""`)
    // and as with `VAR= command`; only the name is still checked.
    const bool empty = value.empty();
    if (name == kEnvTransport) {
      if (!empty) transport = value;
      continue;
    }
    if (name == kEnvBaseUrl) {
      if (!empty) base_url = value;
      continue;
    }
    if (name == kEnvSocket) {
      if (!empty) socket = value;
      continue;
    }
    const KeyDef* def = find_env_key(name);
    if (def == nullptr) {
      throw ConfigError(name, "unknown " + std::string(kEnvPrefix) +
                                  "* variable (a typo?)");
    }
    if (empty) continue;
    if (auto [it, inserted] = first_name.emplace(def, &name); !inserted) {
      check_agree(*it->second, env.at(*it->second), name, value);
      continue;
    }
    if (name == kNetworkEnv) network = value;
    if (name == kAddressEnv) address = value;
    out.push_back(text_setting(*def, name, value));
  }

  // The supervisor's names, resolved against the daemon's own.
  const KeyDef& network_key = *find_key("listen.network");
  const KeyDef& address_key = *find_key("listen.address");
  if (transport) {
    const std::string t = to_lower(*transport);
    std::string mapped;
    if (t == "http") {
      mapped = "tcp";
    } else if (t == "unix") {
      mapped = "unix";
    } else {
      throw ConfigError(std::string(kEnvTransport),
                        "expected http or unix, got " + json_quoted(*transport));
    }
    if (network) {
      check_agree(kNetworkEnv, to_lower(*network), kEnvTransport, mapped, &*transport);
    } else {
      network = mapped;
      out.push_back(text_setting(network_key, std::string(kEnvTransport), mapped));
    }
  }
  const std::string effective_network = to_lower(network.value_or(network_so_far));
  if (effective_network == "unix") {
    // BASE_URL is then only the Host the supervisor sends through the socket: not an address.
    if (socket) {
      if (address) {
        check_agree(kAddressEnv, *address, kEnvSocket, *socket);
      } else {
        out.push_back(text_setting(address_key, std::string(kEnvSocket), *socket));
      }
    }
  } else if (base_url) {
    // SOCKET is then a path the supervisor would use for unix only: not an address.
    const std::string from_url = address_from_base_url(*base_url);
    if (address) {
      check_agree(kAddressEnv, *address, kEnvBaseUrl, from_url, &*base_url);
    } else {
      out.push_back(text_setting(address_key, std::string(kEnvBaseUrl), from_url));
    }
  }
  return out;
}

}  // namespace vs::config_detail
