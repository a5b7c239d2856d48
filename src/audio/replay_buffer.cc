#include "audio/replay_buffer.h"

#include <algorithm>

namespace vs {

void ReplayBuffer::release(uint64_t seq) {
  if (released_lo_ > released_hi_) released_lo_ = seq;
  released_hi_ = seq;
}

void ReplayBuffer::sent(uint64_t index, const AudioFrame& pcm, uint64_t seq) {
  if (max_ == 0) {  // nothing kept: every frame is unprotected until acked
    release(seq);
    return;
  }
  if (entries_.size() == max_) {
    release(entries_.front().seq);
    entries_.pop_front();
    if (unsent_from_ > 0) --unsent_from_;
  }
  entries_.push_back(Entry{index, pcm, seq, true});
  unsent_from_ = entries_.size();
}

ReplayBuffer::Entry* ReplayBuffer::next_unsent() {
  return unsent_from_ < entries_.size() ? &entries_[unsent_from_] : nullptr;
}

void ReplayBuffer::resent(Entry& entry, uint64_t seq) {
  entry.seq = seq;
  entry.sent = true;
  ++unsent_from_;
}

uint64_t ReplayBuffer::ack(int64_t seq) {
  if (seq <= acked_seq_) return 0;
  acked_seq_ = seq;
  uint64_t covered = 0;
  const auto s = static_cast<uint64_t>(seq);
  if (released_lo_ <= released_hi_ && s >= released_lo_) {
    const uint64_t through = std::min(s, released_hi_);
    covered += through - released_lo_ + 1;
    released_lo_ = through + 1;
  }
  while (!entries_.empty() && entries_.front().sent && entries_.front().seq <= static_cast<uint64_t>(seq)) {
    entries_.pop_front();
    if (unsent_from_ > 0) --unsent_from_;
    ++covered;
  }
  return covered;
}

uint64_t ReplayBuffer::instance_ended() {
  const uint64_t lost = released_lo_ <= released_hi_ ? released_hi_ - released_lo_ + 1 : 0;
  released_lo_ = 1;
  released_hi_ = 0;
  return lost;
}

void ReplayBuffer::begin_instance() {
  for (Entry& e : entries_) e.sent = false;
  unsent_from_ = 0;
  acked_seq_ = -1;
}

}  // namespace vs
