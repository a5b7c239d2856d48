#include "worker_pipe/fd_io.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <system_error>
#include <vector>

namespace vs {
namespace {

// Waits until fd has `events` (or an error/hangup, which the next read/write reports) or stop.
bool wait_ready(int fd, short events, const StopSignal& stop) {
  std::array<pollfd, 2> fds{pollfd{fd, events, 0}, pollfd{stop.fd(), POLLIN, 0}};
  for (;;) {
    const int n = ::poll(fds.data(), fds.size(), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return true;  // let the caller's next syscall surface the error
    }
    if (fds[1].revents != 0) return false;
    if (fds[0].revents != 0) return true;
  }
}

}  // namespace

StopSignal::StopSignal() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
}

void StopSignal::raise() {
  const uint64_t one = 1;
  // The counter only needs to be non-zero; EAGAIN (counter saturated) is as good as success.
  [[maybe_unused]] const ssize_t n = ::write(fd_.get(), &one, sizeof one);
}

bool set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

IoEnd write_all(int fd, std::string_view data, const StopSignal& stop) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_ready(fd, POLLOUT, stop)) return IoEnd::Stopped;
      continue;
    }
    return IoEnd::Broken;  // EPIPE (SIGPIPE is ignored) or a real error
  }
  return IoEnd::Done;
}

IoEnd read_chunks(int fd, const StopSignal& stop,
                  const std::function<void(std::string_view)>& on_chunk) {
  std::vector<char> buf(64 * 1024);
  for (;;) {
    // Poll before every read, even with data pending, so a worker that floods its pipe
    // still cannot keep a stopping reader busy.
    if (!wait_ready(fd, POLLIN, stop)) return IoEnd::Stopped;
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n > 0) {
      on_chunk(std::string_view(buf.data(), static_cast<size_t>(n)));
    } else if (n == 0) {
      return IoEnd::Done;
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return IoEnd::Broken;
    }
  }
}

}  // namespace vs
