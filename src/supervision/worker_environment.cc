#include "supervision/worker_environment.h"

#include "config/config_keys.h"

namespace vs {

std::set<std::string> withheld_variables(const std::map<std::string, std::string>& environment,
                                         const std::string& token) {
  std::set<std::string> out;
  // From the key table, so a secret key added to the auth section later is withheld too.
  for (const config_detail::KeyDef& def : config_detail::config_keys()) {
    if (!def.key.starts_with("auth.")) continue;
    if (!def.env.empty()) out.insert(def.env);
    out.insert(def.env_aliases.begin(), def.env_aliases.end());
  }
  if (!token.empty()) {
    for (const auto& [name, value] : environment) {
      if (value == token) out.insert(name);
    }
  }
  return out;
}

}  // namespace vs
