#include "wyoming/heap_trim.h"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <memory>

#include <boost/asio/steady_timer.hpp>

namespace vs {

namespace {
constexpr auto kDelay = std::chrono::milliseconds(200);  // the burst's other closes, the last completions
std::atomic<bool> pending{false};
}  // namespace

void trim_heap_later(const boost::asio::any_io_executor& ex) {
  if (pending.exchange(true)) return;  // the trim to come covers this one too
  auto timer = std::make_shared<boost::asio::steady_timer>(ex, kDelay);
  timer->async_wait([timer](boost::system::error_code) {
    pending = false;  // before the trim: a close during it schedules another
#ifdef __GLIBC__
    malloc_trim(0);
#endif
  });
}

}  // namespace vs
