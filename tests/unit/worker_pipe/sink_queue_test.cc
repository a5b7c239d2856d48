#include "worker_pipe/sink_queue.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "worker_pipe/audio_sink.h"

namespace vs {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::vector<int16_t> kFrame(160, 7);

TEST(SinkQueue, EachStreamCountsItsOwnSeqAndAFlushEndsANamedOne) {
  auto q = std::make_shared<SinkQueue>(8, 1000);
  AudioSink sink(q);
  uint64_t seq = 99;
  ASSERT_EQ(sink.try_send_frame("rec_a", kFrame, &seq), SendResult::Ok);
  EXPECT_EQ(seq, 0u);
  ASSERT_EQ(sink.try_send_frame("rec_b", kFrame, &seq), SendResult::Ok);
  EXPECT_EQ(seq, 0u);
  ASSERT_EQ(sink.try_send_frame("rec_a", kFrame, &seq), SendResult::Ok);
  EXPECT_EQ(seq, 1u);
  EXPECT_EQ(sink.next_seq("rec_a"), 2u);
  EXPECT_EQ(sink.next_seq("rec_c"), 0u);
  // The flush must follow the stream's queued frames (control lines go first): not yet.
  EXPECT_EQ(sink.send_flush("rec_a"), SendResult::Full);
  SinkQueue::Item item;
  std::vector<std::string> written;
  while (q->try_pop(item)) written.push_back(item.is_frame ? item.stream + "#" + std::to_string(item.seq) : item.line);
  EXPECT_EQ(written, (std::vector<std::string>{"rec_a#0", "rec_b#0", "rec_a#1"}));
  ASSERT_EQ(sink.send_flush("rec_a"), SendResult::Ok);
  ASSERT_TRUE(q->try_pop(item));
  EXPECT_EQ(item.line, "{\"stream\":\"rec_a\",\"type\":\"flush\"}\n");
  EXPECT_EQ(sink.next_seq("rec_a"), 0u) << "the worker forgot the stream: it starts over";
  EXPECT_EQ(sink.next_seq("rec_b"), 1u);
  // The default stream (protocol 1) counts on across flushes, as the worker does.
  ASSERT_EQ(sink.try_send_frame("", kFrame, &seq), SendResult::Ok);
  ASSERT_TRUE(q->try_pop(item));
  ASSERT_EQ(sink.send_flush(), SendResult::Ok);
  EXPECT_EQ(sink.next_seq(""), 1u);
}

TEST(SinkQueue, SeqIsAssignedAtEnqueueAndControlLinesGoFirst) {
  auto q = std::make_shared<SinkQueue>(4, 1000);
  AudioSink sink(q);
  uint64_t seq = 99;
  ASSERT_EQ(sink.try_send_frame("", kFrame, &seq), SendResult::Ok);
  EXPECT_EQ(seq, 0u);
  ASSERT_EQ(sink.try_send_frame("", kFrame, &seq), SendResult::Ok);
  EXPECT_EQ(seq, 1u);
  ASSERT_EQ(sink.send_ping("p"), SendResult::Ok);
  EXPECT_EQ(sink.queued_frames(), 2u);
  EXPECT_EQ(sink.capacity_frames(), 4u);

  SinkQueue::Item item;
  ASSERT_TRUE(q->try_pop(item));
  EXPECT_FALSE(item.is_frame);
  EXPECT_EQ(item.line, "{\"id\":\"p\",\"type\":\"ping\"}\n");
  ASSERT_TRUE(q->try_pop(item));
  EXPECT_TRUE(item.is_frame);
  EXPECT_EQ(item.seq, 0u);
  EXPECT_EQ(item.pcm, kFrame);
  ASSERT_TRUE(q->try_pop(item));
  EXPECT_EQ(item.seq, 1u);
  EXPECT_FALSE(q->try_pop(item));
}

TEST(SinkQueue, FullQueueWaitsOnlyUntilTheDeadlineAndFullUsesNoSeq) {
  auto q = std::make_shared<SinkQueue>(2, 1000);
  AudioSink sink(q);
  ASSERT_EQ(sink.try_send_frame("", kFrame), SendResult::Ok);
  ASSERT_EQ(sink.try_send_frame("", kFrame), SendResult::Ok);
  EXPECT_EQ(sink.try_send_frame("", kFrame), SendResult::Full);
  const auto start = Clock::now();
  EXPECT_EQ(sink.send_frame("", kFrame, start + 50ms), SendResult::Full);
  const auto waited = Clock::now() - start;
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 2s);

  SinkQueue::Item item;
  ASSERT_TRUE(q->try_pop(item));
  uint64_t seq = 0;
  ASSERT_EQ(sink.try_send_frame("", kFrame, &seq), SendResult::Ok);
  EXPECT_EQ(seq, 2u);  // the Full attempts did not consume seqs
}

TEST(SinkQueue, WaitingSenderIsWokenByThePop) {
  auto q = std::make_shared<SinkQueue>(1, 1000);
  ASSERT_EQ(q->push_frame("", kFrame, std::nullopt, nullptr), SendResult::Ok);
  std::thread popper([&] {
    std::this_thread::sleep_for(50ms);
    SinkQueue::Item item;
    EXPECT_TRUE(q->pop_wait(item));
  });
  uint64_t seq = 0;
  EXPECT_EQ(q->push_frame("", kFrame, Clock::now() + 10s, &seq), SendResult::Ok);
  EXPECT_EQ(seq, 1u);
  popper.join();
}

TEST(SinkQueue, CloseLetsTheWriterDrainAndWakesEveryone) {
  auto q = std::make_shared<SinkQueue>(1, 1000);
  ASSERT_EQ(q->push_frame("", kFrame, std::nullopt, nullptr), SendResult::Ok);
  std::thread sender([&] {
    EXPECT_EQ(q->push_frame("", kFrame, Clock::now() + 10s, nullptr), SendResult::Closed);
  });
  std::this_thread::sleep_for(50ms);
  q->close();
  sender.join();
  EXPECT_EQ(q->push_control("x\n"), SendResult::Closed);
  SinkQueue::Item item;
  EXPECT_TRUE(q->pop_wait(item));   // still drains what was queued
  EXPECT_FALSE(q->pop_wait(item));  // then ends instead of waiting
}

TEST(SinkQueue, WriterWaitingOnEmptyQueueIsWokenByCloseAndFailDropsQueued) {
  auto q = std::make_shared<SinkQueue>(4, 1000);
  std::thread writer([&] {
    SinkQueue::Item item;
    EXPECT_FALSE(q->pop_wait(item));
  });
  std::this_thread::sleep_for(50ms);
  q->close();
  writer.join();

  auto f = std::make_shared<SinkQueue>(4, 1000);
  ASSERT_EQ(f->push_frame("", kFrame, std::nullopt, nullptr), SendResult::Ok);
  f->fail();
  SinkQueue::Item item;
  EXPECT_FALSE(f->pop_wait(item));
  EXPECT_EQ(f->depth(), 0u);
  EXPECT_EQ(f->push_frame("", kFrame, std::nullopt, nullptr), SendResult::Closed);
}

TEST(SinkQueue, ControlQueueIsBoundedAndFrameSizeIsChecked) {
  SinkQueue q(4, 160, 2);
  EXPECT_EQ(q.push_control("a\n"), SendResult::Ok);
  EXPECT_EQ(q.push_control("b\n"), SendResult::Ok);
  EXPECT_EQ(q.push_control("c\n"), SendResult::Full);
  EXPECT_EQ(q.push_frame("", std::vector<int16_t>(160), std::nullopt, nullptr), SendResult::Ok);
  EXPECT_THROW(q.push_frame("", std::vector<int16_t>(161), std::nullopt, nullptr),
               std::invalid_argument);
}

}  // namespace
}  // namespace vs
