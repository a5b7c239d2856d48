// The pure parts of the audio path: occupancy levels, the ring's whole-frame rule, and the
// replay buffer's bookkeeping of what a worker has and has not acknowledged.
#include <gtest/gtest.h>

#include "audio/audio_ring.h"
#include "audio/buffer_level.h"
#include "audio/poll_pacer.h"
#include "audio/replay_buffer.h"
#include "audio/ring_writer.h"

namespace vs {
namespace {

AudioFrame frame(int16_t v) {
  AudioFrame f;
  f.fill(v);
  return f;
}

TEST(BufferLevels, BoundariesAreThoseOfTheDesign) {
  EXPECT_EQ(level_for(0.50, false), BufferLevel::Normal);
  EXPECT_EQ(level_for(0.51, false), BufferLevel::Warn);
  EXPECT_EQ(level_for(0.70, false), BufferLevel::Warn);
  EXPECT_EQ(level_for(0.71, false), BufferLevel::Critical);
  EXPECT_EQ(level_for(1.00, false), BufferLevel::Critical);  // full is not overflow until a frame is refused
  EXPECT_EQ(level_for(0.10, true), BufferLevel::Overflow);
}

TEST(BufferLevels, OneRisePerLevelNeverOnePerFrame) {
  BufferLevels levels;
  int rises = 0;
  for (int i = 0; i <= 100; ++i) rises += levels.observe(i / 100.0, false).has_value();
  EXPECT_EQ(rises, 2);  // warn, critical
  EXPECT_EQ(levels.current(), BufferLevel::Critical);
  // Wobbling on the warn boundary after a fall to normal: no chatter within the hysteresis.
  EXPECT_FALSE(levels.observe(0.40, false));
  EXPECT_EQ(levels.current(), BufferLevel::Normal);
  EXPECT_EQ(levels.observe(0.52, false), BufferLevel::Warn);
  EXPECT_FALSE(levels.observe(0.48, false));  // not 5 points below: stays warn
  EXPECT_FALSE(levels.observe(0.52, false));  // so no second warn
  EXPECT_EQ(levels.current(), BufferLevel::Warn);
}

TEST(BufferLevels, OverflowIsFinal) {
  BufferLevels levels;
  EXPECT_EQ(levels.observe(0.2, true), BufferLevel::Overflow);
  EXPECT_FALSE(levels.observe(0.0, false));
  EXPECT_EQ(levels.current(), BufferLevel::Overflow);
}

TEST(AudioRing, FiveSecondsIs160000BytesOfWholeFrames) {
  AudioRing ring(frames_for_seconds(5));
  EXPECT_EQ(ring.capacity() * kFrameBytes, 160000u);
  RingWriter writer(ring);
  for (size_t i = 0; i < ring.capacity(); ++i) ASSERT_TRUE(writer.push(frame(static_cast<int16_t>(i))));
  EXPECT_FALSE(writer.push(frame(-1)));  // refused whole
  EXPECT_EQ(writer.rejected(), 1u);
  EXPECT_EQ(writer.captured(), ring.capacity());
  ASSERT_NE(ring.front(), nullptr);
  EXPECT_EQ((*ring.front())[0], 0);  // the oldest is kept: no drop-oldest
  ring.pop();
  EXPECT_TRUE(writer.push(frame(7)));
  writer.close();
  EXPECT_FALSE(writer.push(frame(8)));
  EXPECT_EQ(writer.rejected(), 1u);  // a closed writer refuses without counting an overflow
}

TEST(ReplayBuffer, AckedFramesLeaveUnackedOnesAreReplayedInOrder) {
  ReplayBuffer replay(100);
  for (uint64_t i = 0; i < 10; ++i) replay.sent(i, frame(static_cast<int16_t>(i)), i);
  EXPECT_EQ(replay.ack(3), 4u);  // seqs 0..3
  EXPECT_EQ(replay.ack(2), 0u);  // acks never go back
  EXPECT_EQ(replay.instance_ended(), 0u);
  replay.begin_instance();
  std::vector<uint64_t> order;
  uint64_t seq = 0;
  while (ReplayBuffer::Entry* e = replay.next_unsent()) {
    order.push_back(e->index);
    replay.resent(*e, seq++);
  }
  EXPECT_EQ(order, (std::vector<uint64_t>{4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(replay.ack(5), 6u);
  EXPECT_TRUE(replay.settled());
}

TEST(ReplayBuffer, BeyondTheBoundOnlyUnackedReleasedFramesAreLost) {
  ReplayBuffer replay(4);
  for (uint64_t i = 0; i < 10; ++i) replay.sent(i, frame(0), i);  // 6 released: seqs 0..5
  EXPECT_EQ(replay.size(), 4u);
  EXPECT_EQ(replay.ack(2), 3u);           // covers released 0..2
  EXPECT_EQ(replay.instance_ended(), 3u);  // released 3..5 were never acknowledged
  replay.begin_instance();
  EXPECT_EQ(replay.next_unsent()->index, 6u);
}

TEST(ReplayBuffer, ZeroBoundKeepsNothingButStillCounts) {
  ReplayBuffer replay(0);
  for (uint64_t i = 0; i < 5; ++i) replay.sent(i, frame(0), i);
  EXPECT_EQ(replay.ack(4), 5u);
  EXPECT_TRUE(replay.settled());
  EXPECT_EQ(replay.instance_ended(), 0u);
}

}  // namespace
}  // namespace vs

namespace vs {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(PollPacer, PollsFinelyUntilItKnowsTheCadence) {
  PollPacer p;
  const auto t0 = PollPacer::Clock::time_point{} + std::chrono::seconds(1);
  EXPECT_EQ(p.idle_sleep(t0), PollPacer::kPoll);
  p.frames_arrived(t0);
  EXPECT_EQ(p.idle_sleep(t0), PollPacer::kPoll);  // one arrival is no cadence
}

TEST(PollPacer, SleepsUntilJustBeforeTheNextFrameThenPollsFinely) {
  PollPacer p;
  auto t = PollPacer::Clock::time_point{} + std::chrono::seconds(1);
  for (int i = 0; i < 20; ++i, t += milliseconds(10)) p.frames_arrived(t);
  const auto last = t - milliseconds(10);
  const auto first_sleep = p.idle_sleep(last);
  EXPECT_GE(first_sleep, microseconds(8000));
  EXPECT_LE(first_sleep, microseconds(9500));  // wakes before the frame due at +10 ms
  EXPECT_EQ(p.idle_sleep(last + milliseconds(9)), PollPacer::kPoll);  // due soon: 1 ms polls
  EXPECT_EQ(p.idle_sleep(last + milliseconds(30)), PollPacer::kPoll);  // late: keeps polling finely
}

TEST(PollPacer, NeverSleepsLongerThanItsBound) {
  PollPacer p;
  auto t = PollPacer::Clock::time_point{} + std::chrono::seconds(1);
  for (int i = 0; i < 10; ++i, t += milliseconds(500)) p.frames_arrived(t);  // a slow producer
  EXPECT_EQ(p.idle_sleep(t - milliseconds(500)), PollPacer::kLongest);
}

}  // namespace
}  // namespace vs
