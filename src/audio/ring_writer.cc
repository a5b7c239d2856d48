#include "audio/ring_writer.h"

#include <thread>

namespace vs {

bool RingWriter::push_wait(const AudioFrame& frame) {
  using namespace std::chrono_literals;
  while (!closed()) {
    if (ring_.try_push(frame)) {
      captured_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    std::this_thread::sleep_for(1ms);  // a file reader, not a real-time thread: napping is fine
  }
  return false;
}

}  // namespace vs
