// open_listen_socket() binds the control plane's listening socket, TCP or Unix, with the
// safety rules of DESIGN.md §2:
//   - tcp: "host:port" ("[::1]:port" for IPv6); port 0 picks a free port. Loopback-only unless
//     a token is configured is enforced by config validation.
//   - unix: the directory is created 0700 when missing; an existing path is removed only if it
//     is a socket nobody answers on (stale) — a live socket or any other file is an error;
//     the socket file gets listen.socket_mode (0600 by default).
// The result is a listening fd and the address actually bound.
#pragma once

#include <stdexcept>
#include <string>

#include "common/unique_fd.h"
#include "config/config.h"

namespace vs {

class ListenError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ListenSocket {
  UniqueFd fd;
  std::string network;  // "tcp" or "unix"
  std::string address;  // host:port with the real port, or the socket path
};

ListenSocket open_listen_socket(const ListenConfig& config);

// Removes the Unix socket file if it is still ours (a socket). Safe to call for TCP.
void remove_socket_file(const ListenSocket& socket);

}  // namespace vs
