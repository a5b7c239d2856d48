#include "sources/stream_source.h"

#include <array>

namespace vs {
namespace {

int16_t le16(uint8_t lo, uint8_t hi) { return static_cast<int16_t>(static_cast<uint16_t>(lo | (hi << 8))); }

}  // namespace

void StreamSource::start(RingWriter& out, OnEnd on_end) {
  out_ = &out;
  on_end_ = std::move(on_end);
}

void StreamSource::stop() noexcept { ended_ = true; }

bool StreamSource::push(const AudioFrame& frame) {
  if (!holding_) return out_->push(frame);
  if (held_.empty() && out_->offer(frame)) return true;
  held_.push_back(frame);
  return true;
}

StreamSource::Fed StreamSource::drain() {
  if (!out_ || ended_ || out_->closed()) return Fed::Ended;
  while (!held_.empty() && out_->offer(held_.front())) held_.pop_front();
  return held_.empty() ? Fed::Accepted : Fed::Full;
}

StreamSource::Fed StreamSource::feed(std::string_view bytes) {
  if (!out_ || ended_ || out_->closed()) return Fed::Ended;
  bytes_ += bytes.size();
  // Frames held back go first: what comes after them waits its turn.
  holding_ = waits_ || bytes.size() >= kHoldBackBytes || !held_.empty();
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  const FrameChunker::Emit push = [this](const AudioFrame& f) { return this->push(f); };
  std::array<int16_t, 2048> samples{};
  size_t count = 0;
  if (has_odd_byte_ && n > 0) {
    samples[count++] = le16(odd_byte_, p[0]);
    has_odd_byte_ = false;
    ++p;
    --n;
  }
  while (n >= 2) {
    samples[count++] = le16(p[0], p[1]);
    p += 2;
    n -= 2;
    if (count == samples.size()) {
      if (!chunker_.feed({samples.data(), count}, push)) return Fed::Ended;
      count = 0;
    }
  }
  if (n == 1) {
    odd_byte_ = p[0];
    has_odd_byte_ = true;
  }
  if (!chunker_.feed({samples.data(), count}, push) || out_->closed()) return Fed::Ended;
  return held_.empty() ? Fed::Accepted : Fed::Full;
}

StreamSource::Fed StreamSource::finish() {
  if (!out_ || ended_) return Fed::Ended;
  if (!last_frame_cut_) {
    holding_ = waits_ || !held_.empty();
    chunker_.finish([this](const AudioFrame& f) { return push(f); });
    last_frame_cut_ = true;
  }
  // The caller may be an I/O thread: a waiting stream's held frames go in as room appears.
  while (!held_.empty() && out_->offer(held_.front())) held_.pop_front();
  if (!held_.empty() && !out_->closed()) return Fed::Full;
  ended_ = true;
  if (on_end_) on_end_(SourceEnd{SourceEnd::Kind::EndOfInput, ""});
  return Fed::Ended;
}

void StreamSource::when_room(std::function<void()> wake) {
  if (!out_) return wake();  // not started: nothing to wait for
  out_->when_room(std::move(wake));
}

}  // namespace vs
