// open_listen_socket() binds the control plane's listening socket, TCP or Unix, with the
// safety rules of DESIGN.md §2:
//   - tcp: "host:port" ("[::1]:port" for IPv6); port 0 picks a free port. Loopback-only unless
//     a token is configured is enforced by config validation.
//   - unix: the directory is created 0700 when missing; an existing path is removed only if it
//     is a socket nobody answers on (stale) — a live socket or any other file is an error;
//     the socket file gets listen.socket_mode (0600 by default).
// The result is a listening fd and the address actually bound.
//
// adopt_listen_socket() takes one that is already listening instead (systemd's socket
// activation): it must be a listening stream socket (TCP or Unix); a TCP one on a non-loopback
// address needs a token, the same rule config validation applies to listen.address. Its file,
// if any, belongs to whoever made it: remove_socket_file() leaves it alone.
#pragma once

#include <stdexcept>
#include <string>

#include "common/unique_fd.h"
#include "config/config.h"

namespace vs {

class ListenError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A listener the rules forbid (a passed non-loopback socket without a token): a configuration
// error like any other, which trying again cannot mend.
class ListenForbidden : public ListenError {
  using ListenError::ListenError;
};

struct ListenSocket {
  UniqueFd fd;
  std::string network;  // "tcp" or "unix"
  std::string address;  // host:port with the real port, or the socket path
  bool passed = false;  // made by someone else (systemd), not bound from listen.address
};

ListenSocket open_listen_socket(const ListenConfig& config);

// Throws ListenError when `fd` is not a listening stream socket, ListenForbidden when it is a
// TCP socket on a non-loopback address while `have_token` is false.
ListenSocket adopt_listen_socket(UniqueFd fd, bool have_token);

// Removes the Unix socket file if it is still ours (a socket we bound). Safe to call for TCP.
void remove_socket_file(const ListenSocket& socket);

}  // namespace vs
