#include "sources/stdin_relay.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "audio/audio_source.h"

namespace vs {

StdinRelay::StdinRelay(int source_fd) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    throw SourceError(std::string("cannot read standard input: pipe: ") + std::strerror(errno));
  }
  read_end_.reset(ends[0]);
  write_end_.reset(ends[1]);
  wake_.reset(::eventfd(0, EFD_CLOEXEC));
  if (!wake_) {
    throw SourceError(std::string("cannot read standard input: eventfd: ") +
                      std::strerror(errno));
  }
  thread_ = std::thread([this, source_fd] { run(source_fd); });
}

StdinRelay::~StdinRelay() { stop(); }

void StdinRelay::stop() noexcept {
  if (!thread_.joinable()) return;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_.get(), &one, sizeof one);
  thread_.join();
}

void StdinRelay::run(int source_fd) {
  char buffer[64 * 1024];
  while (wait_for(source_fd, POLLIN)) {
    const ssize_t n = ::read(source_fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      error_.store(errno, std::memory_order_release);
      break;
    }
    if (!write_all(buffer, static_cast<size_t>(n))) break;
  }
  write_end_.reset();  // the reader sees end of file
}

// Waits until `fd` is ready for `events` (or hung up, so the next call reports why). False
// once stop() was called.
bool StdinRelay::wait_for(int fd, short events) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {wake_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      error_.store(errno, std::memory_order_release);
      return false;
    }
    if (fds[1].revents != 0) return false;
    if (fds[0].revents != 0) return true;
  }
}

bool StdinRelay::write_all(const char* data, size_t size) {
  while (size > 0) {
    if (!wait_for(write_end_.get(), POLLOUT)) return false;
    const ssize_t n = ::write(write_end_.get(), data, size);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;  // the read end is ours and open, so this is not expected
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace vs
