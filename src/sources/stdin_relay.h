// StdinRelay copies standard input into a pipe of its own on a small thread, so that a reader
// blocked on that pipe can be released at will: stop() closes the pipe's write end and the
// reader sees end of input. Reading fd 0 directly would leave a stopped FileSource stuck in
// read() until the process feeding it writes again.
//
//   StdinRelay relay;                                    // starts copying
//   sf_open_fd(relay.fd(), SFM_READ, &info, SF_FALSE);   // read it like stdin
//   relay.stop();                                        // reader now gets end of file
#pragma once

#include <atomic>
#include <thread>

#include "common/unique_fd.h"

namespace vs {

class StdinRelay {
 public:
  // Throws SourceError when the pipe cannot be made. `source_fd` is not owned (nor closed).
  explicit StdinRelay(int source_fd = 0);
  ~StdinRelay();
  StdinRelay(const StdinRelay&) = delete;
  StdinRelay& operator=(const StdinRelay&) = delete;

  // The read end: a pipe carrying everything read from the source. Owned by the relay.
  int fd() const noexcept { return read_end_.get(); }
  // Ends the copying now (the reader then sees end of file) and joins. Idempotent.
  void stop() noexcept;
  // The errno of a failed read of the source, 0 if it ended normally (or is still going).
  int error() const noexcept { return error_.load(std::memory_order_acquire); }

 private:
  void run(int source_fd);
  bool wait_for(int fd, short events);
  bool write_all(const char* data, size_t size);

  UniqueFd read_end_;
  UniqueFd write_end_;
  UniqueFd wake_;  // an eventfd: stop() makes it readable
  std::atomic<int> error_{0};
  std::thread thread_;
};

}  // namespace vs
