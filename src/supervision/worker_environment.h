// What of the daemon's environment the worker must not inherit: the daemon's secrets. The worker
// needs no token (it speaks only to the daemon, over its pipes), and a token in its environment
// can be read by anything that can read /proc/<worker>/environ or that the worker starts.
//
//   SpawnSpec spec{argv, dir, extra, withheld_variables(environment_map(), config.auth.token)};
#pragma once

#include <map>
#include <set>
#include <string>

namespace vs {

// The names to leave out of what `environment` passes on: every variable of the auth section
// (JARVIS_VOICE_SIDECAR_TOKEN, ..._TOKEN_FILE and their older names), and any other variable that
// holds `token` itself (a wrapper that exported it under its own name before `--token "$X"`).
std::set<std::string> withheld_variables(const std::map<std::string, std::string>& environment,
                                         const std::string& token);

}  // namespace vs
