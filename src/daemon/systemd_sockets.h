// take_systemd_sockets() hands over the listening sockets systemd passed to this process
// (socket activation, sd_listen_fds(3): LISTEN_FDS with LISTEN_PID naming us), each in a UniqueFd
// marked close-on-exec. LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES are removed from the
// environment, so the worker never believes it was passed them. Without libsystemd
// (VS_HAVE_SYSTEMD undefined) it returns nothing: the daemon binds listen.address as usual.
//
//   std::vector<UniqueFd> passed = take_systemd_sockets();   // once, before any thread starts
#pragma once

#include <vector>

#include "common/unique_fd.h"

namespace vs {

std::vector<UniqueFd> take_systemd_sockets();

}  // namespace vs
