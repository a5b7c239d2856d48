// auth.token_file: the token read from a file at load time, so it is in neither the daemon's
// command line (visible to every user in `ps`) nor its environment (inherited by children).
// The file is held to ssh's rule for private keys: a regular file of the daemon's own user that
// no group or other user may read or write; anything else is a configuration error that says how
// to fix it. One trailing newline (as `echo` or an editor leaves) is dropped.
#pragma once

#include <string>

#include "config/config.h"

namespace vs::config_detail {

// The token held in `path`. Throws ConfigError("auth.token_file", ...) naming the file.
std::string read_token_file(const std::string& path);

// When auth.token_file is set: refuses it beside auth.token, reads the file into auth.token and
// records the file as the token's origin. Runs before validate(), which then checks the token
// whichever way it came.
void load_token_file(Config& config, Origins& origins);

}  // namespace vs::config_detail
