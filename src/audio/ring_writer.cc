#include "audio/ring_writer.h"

#include <future>
#include <memory>

namespace vs {

bool RingWriter::push_wait(const AudioFrame& frame) {
  using namespace std::chrono_literals;
  while (!closed()) {
    if (offer(frame)) return true;
    // Asleep until the pump takes frames or closes the ring (when_room), not on a timer. The
    // bounded wait only guards against a pump that is gone; the wake owns what it touches.
    auto woken = std::make_shared<std::promise<void>>();
    std::future<void> room = woken->get_future();
    when_room([woken] { woken->set_value(); });
    room.wait_for(100ms);
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
