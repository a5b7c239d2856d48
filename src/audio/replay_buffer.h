// ReplayBuffer keeps every frame the pump sent to the current worker instance until the worker
// acknowledges it, so a crashed or restarted worker loses nothing: the next instance is sent the
// unacknowledged frames again, in order, before anything new (DESIGN.md §4, zero loss).
//
// It is bounded (audio.replay_seconds): when full, sending one more frame lets go of the oldest
// unacknowledged one. Such a frame is lost only if its instance then ends without acking it;
// instance_ended() counts exactly those. Pure: no threads, no I/O.
//
//   ReplayBuffer replay(3000);
//   replay.sent(index, frame, seq);         // after the sink took it as `seq`
//   acked += replay.ack(link_acked_seq);    // whenever the reader's watermark moves
//   lost += replay.instance_ended();        // the worker went away
//   replay.begin_instance();                // a new one is ready: resend pending() in order
#pragma once

#include <cstdint>
#include <deque>

#include "audio/audio_frame.h"

namespace vs {

class ReplayBuffer {
 public:
  struct Entry {
    uint64_t index = 0;  // position in the recording: the frame's time is index * 10 ms
    AudioFrame pcm{};
    uint64_t seq = 0;    // its seq at the instance it was last sent to
    bool sent = false;   // sent to the current instance
  };

  explicit ReplayBuffer(size_t max_frames) : max_(max_frames) {}

  // A frame went to the current instance as `seq`. May let go of the oldest entry (see above).
  void sent(uint64_t index, const AudioFrame& pcm, uint64_t seq);

  // The next entry still to be (re)sent to the current instance, or null.
  Entry* next_unsent();
  // That entry went to the current instance as `seq`.
  void resent(Entry& entry, uint64_t seq);

  // The worker acknowledged every seq up to `seq`; returns how many frames that newly covers.
  uint64_t ack(int64_t seq);

  // The instance ended; returns the frames lost for good (let go of and never acknowledged).
  uint64_t instance_ended();
  // A new instance: every entry is to be sent again.
  void begin_instance();

  // Nothing is waiting for an ack: every frame sent was acknowledged (or counted lost).
  bool settled() const { return entries_.empty() && released_lo_ > released_hi_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  size_t capacity() const { return max_; }

 private:
  size_t max_;
  std::deque<Entry> entries_;
  size_t unsent_from_ = 0;     // entries_[unsent_from_..] are not sent to the current instance
  int64_t acked_seq_ = -1;     // the current instance's watermark, as applied
  // Let go of while unacknowledged: always the oldest sends of this instance, so their seqs are
  // one run [released_lo_, released_hi_] (empty when lo > hi).
  uint64_t released_lo_ = 1, released_hi_ = 0;
  void release(uint64_t seq);
};

}  // namespace vs
