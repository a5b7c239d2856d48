#include "audio/audio_ring.h"

#include <boost/lockfree/spsc_queue.hpp>

namespace vs {

// Kept out of the header: Boost.Lockfree is only needed here.
struct AudioRing::Queue {
  explicit Queue(size_t n) : q(n) {}
  boost::lockfree::spsc_queue<AudioFrame> q;
};

AudioRing::AudioRing(size_t capacity_frames)
    : capacity_(capacity_frames == 0 ? 1 : capacity_frames), queue_(std::make_unique<Queue>(capacity_)) {}

AudioRing::~AudioRing() = default;

bool AudioRing::try_push(const AudioFrame& frame) noexcept { return queue_->q.push(frame); }

const AudioFrame* AudioRing::front() noexcept {
  return queue_->q.read_available() > 0 ? &queue_->q.front() : nullptr;
}

void AudioRing::pop() noexcept { queue_->q.pop(); }

size_t AudioRing::clear() noexcept {
  return queue_->q.consume_all([](const AudioFrame&) {});
}

size_t AudioRing::size() const noexcept {
  // read_available() is for the consumer thread; this count is valid from either side.
  return capacity_ - queue_->q.write_available();
}

}  // namespace vs
