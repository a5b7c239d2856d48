// Pipe I/O that can always be interrupted: every wait is a poll() on the pipe plus a StopSignal,
// so the Sidecar's destructor can end a writer stuck on a full pipe or a reader on a silent one,
// whatever the worker does. Used only by the Sidecar's threads.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "common/unique_fd.h"

namespace vs {

// A one-shot, level-triggered "stop now" flag that poll() can wait on (an eventfd).
class StopSignal {
 public:
  StopSignal();  // throws std::system_error if no eventfd can be made
  void raise();  // idempotent; safe from any thread
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

// Sets O_NONBLOCK on fd; returns false (errno set) on failure.
bool set_nonblocking(int fd);

enum class IoEnd { Done, Stopped, Broken };

// Writes all of data to a non-blocking fd, retrying partial writes and EINTR, waiting in poll()
// on EAGAIN. Done when everything was written, Stopped when stop was raised first, Broken on
// EPIPE or any other error (errno is left as the write's).
IoEnd write_all(int fd, std::string_view data, const StopSignal& stop);

// Reads a non-blocking fd in chunks and hands each to on_chunk until EOF (Done), stop (Stopped)
// or a read error (Broken).
IoEnd read_chunks(int fd, const StopSignal& stop, const std::function<void(std::string_view)>& on_chunk);

// The same, for a reader that must also act when nothing arrives (a summary that falls due
// after a flood stopped): before each wait it asks next_wakeup() for a deadline (nullopt: none)
// and calls on_wakeup() when the deadline passes with nothing to read.
using ReadDeadline = std::optional<std::chrono::steady_clock::time_point>;
IoEnd read_chunks(int fd, const StopSignal& stop, const std::function<void(std::string_view)>& on_chunk,
                  const std::function<ReadDeadline()>& next_wakeup, const std::function<void()>& on_wakeup);

}  // namespace vs
