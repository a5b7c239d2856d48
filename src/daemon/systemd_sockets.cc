#include "daemon/systemd_sockets.h"

#include <cstring>

#include <spdlog/spdlog.h>

#ifdef VS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace vs {

std::vector<UniqueFd> take_systemd_sockets() {
  std::vector<UniqueFd> fds;
#ifdef VS_HAVE_SYSTEMD
  // 1: unset the variables (they were meant for us alone); the fds come back close-on-exec.
  const int n = sd_listen_fds(1);
  if (n < 0) {
    spdlog::warn("systemd: ignoring the passed sockets: {}", std::strerror(-n));
    return fds;
  }
  for (int i = 0; i < n; ++i) fds.emplace_back(SD_LISTEN_FDS_START + i);
#endif
  return fds;
}

}  // namespace vs
