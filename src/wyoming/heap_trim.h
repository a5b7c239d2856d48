// trim_heap_later() gives memory freed by a closed connection back to the operating system. glibc
// keeps what a connection freed in its per-thread arenas, so after a client that made the daemon
// hold megabytes (a 1 MiB event, a write queue at its bound) the RSS would stay high. Calls in a
// burst (64 such clients closing at once) share one malloc_trim, run shortly after on `ex` — late
// enough that the closed sessions' buffers are gone, and never more than one at a time.
//
//   if (held_much) trim_heap_later(executor_);
#pragma once

#include <boost/asio/any_io_executor.hpp>

namespace vs {

void trim_heap_later(const boost::asio::any_io_executor& ex);

}  // namespace vs
