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

void RingWriter::when_room(std::function<void()> wake) {
  {
    std::lock_guard lock(wake_mu_);
    wake_ = std::move(wake);
    wake_wanted_.store(true, std::memory_order_release);
  }
  // The pump may have made room between the producer's refused offer and now: look once more.
  if (closed() || ring_.size() < ring_.capacity()) room_made();
}

void RingWriter::room_made() {
  if (!wake_wanted_.load(std::memory_order_acquire)) return;
  std::function<void()> wake;
  {
    std::lock_guard lock(wake_mu_);
    wake.swap(wake_);
    wake_wanted_.store(false, std::memory_order_relaxed);
  }
  if (wake) wake();
}

}  // namespace vs
