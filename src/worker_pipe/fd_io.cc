#include "worker_pipe/fd_io.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <system_error>
#include <vector>

namespace vs {
namespace {

enum class Wait { Ready, Stopped, TimedOut };

// Waits until fd has `events` (or an error/hangup, which the next read/write reports), stop,
// or the deadline (none: no limit).
Wait wait_until_ready(int fd, short events, const StopSignal& stop, const ReadDeadline& deadline) {
  std::array<pollfd, 2> fds{pollfd{fd, events, 0}, pollfd{stop.fd(), POLLIN, 0}};
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Wait::TimedOut;
      timeout_ms = static_cast<int>(std::min<int64_t>(left.count(), 60'000));
    }
    const int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Wait::Ready;  // let the caller's next syscall surface the error
    }
    if (fds[1].revents != 0) return Wait::Stopped;
    if (fds[0].revents != 0) return Wait::Ready;
    // n == 0: a timeout, or a clipped one; the loop re-checks the deadline.
  }
}

bool wait_ready(int fd, short events, const StopSignal& stop) {
  return wait_until_ready(fd, events, stop, std::nullopt) == Wait::Ready;
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
  return read_chunks(fd, stop, on_chunk, {}, {});
}

IoEnd read_chunks(int fd, const StopSignal& stop, const std::function<void(std::string_view)>& on_chunk,
                  const std::function<ReadDeadline()>& next_wakeup, const std::function<void()>& on_wakeup) {
  std::vector<char> buf(64 * 1024);
  for (;;) {
    // Poll before every read, even with data pending, so a worker that floods its pipe
    // still cannot keep a stopping reader busy.
    const Wait w = wait_until_ready(fd, POLLIN, stop, next_wakeup ? next_wakeup() : std::nullopt);
    if (w == Wait::Stopped) return IoEnd::Stopped;
    if (w == Wait::TimedOut) {
      if (on_wakeup) on_wakeup();
      continue;
    }
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
