// wyoming.listen ("tcp://HOST:PORT" or "unix://PATH") as the ListenConfig that
// open_listen_socket() binds, so the Wyoming listener gets the HTTP listener's rules for free
// (a Unix socket's directory 0700, a stale socket replaced, the file 0600). Whether a TCP host
// may be non-loopback is config validation's business (wyoming.allow_remote).
//
//   ListenSocket s = open_listen_socket(wyoming_listen_config("unix:///run/vs/wyoming.sock"));
#pragma once

#include <string>

#include "config/config.h"

namespace vs {

// Throws ListenError when the address has neither prefix.
ListenConfig wyoming_listen_config(const std::string& listen);

}  // namespace vs
