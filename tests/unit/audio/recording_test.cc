// The pump against real worker processes (tests/fixtures/test_worker.py on real pipes): frames
// reach the worker and are acknowledged, a stop waits for the last ack, unacknowledged frames are
// replayed into the next instance, times move onto the recording's timeline, and a full ring
// stops the recording at once with stt_error.
#include <signal.h>

#include <gtest/gtest.h>

#include "../support/wait_until.h"
#include "../support/worker_process.h"
#include "audio/recording.h"
#include "sources/stream_source.h"

namespace vs {
namespace {

using namespace std::chrono_literals;
using test::wait_until;

// A link as the supervisor makes one: acks feed its state, every message goes to the bus.
std::shared_ptr<WorkerLink> make_link(test::WorkerProcess& w, uint64_t generation, EventBus& bus) {
  auto link = std::make_shared<WorkerLink>();
  link->generation = generation;
  link->state = std::make_shared<WorkerLinkState>();
  link->sidecar = Sidecar::attach(w.take_pipes(), w.pid(), {},
                                  [state = link->state, &bus](const WorkerMessage& m) {
                                    if (m.type == WorkerMessageType::Ack) state->on_ack(m);
                                    bus.publish(state->on_timeline(m), m.bytes);
                                  });
  return link;
}

std::string pcm_bytes(size_t frames) {
  std::string bytes(frames * kFrameBytes, '\0');
  for (size_t i = 0; i < bytes.size(); i += 2) bytes[i] = static_cast<char>(i / 320);  // frame number in each sample
  return bytes;
}

std::vector<std::string> event_types(EventStream& s) {
  std::vector<std::string> types;
  for (;;) {
    NextResult r = s.next_for(50ms);
    auto* e = std::get_if<EventPtr>(&r);
    if (!e) return types;
    types.push_back((*e)->type);
  }
}

size_t index_of(const std::vector<std::string>& v, const std::string& what) {
  return static_cast<size_t>(std::find(v.begin(), v.end(), what) - v.begin());
}

struct Fixture : ::testing::Test {
  EventBus bus{100000};
  WorkerLinkSlot slot;
  RecordingOptions options() {
    RecordingOptions o;
    o.id = "rec_test";
    o.flush_timeout = 10s;
    return o;
  }
};

TEST_F(Fixture, EveryFrameIsAcknowledgedAndTheStopComesAfterTheLastFinal) {
  test::WorkerProcess w({});
  slot.store(make_link(w, 1, bus));
  EventStream events = bus.subscribe();
  auto source = std::make_unique<StreamSource>();
  StreamSource& feed = *source;
  Recording rec(std::move(source), "test", options(), slot, bus);
  rec.start();
  const std::string bytes = pcm_bytes(300);
  for (size_t off = 0; off < bytes.size(); off += 999) ASSERT_EQ(feed.feed(std::string_view(bytes).substr(off, 999)), StreamSource::Fed::Accepted);
  feed.finish();
  rec.wait();
  const RecordingSnapshot s = rec.snapshot();
  EXPECT_EQ(s.reason, "end_of_stream");
  EXPECT_EQ(s.frames_captured, 300u);
  EXPECT_EQ(s.frames_sent, 300u);
  EXPECT_EQ(s.frames_acked, 300u);
  EXPECT_EQ(s.frames_lost, 0u);
  const auto types = event_types(events);
  EXPECT_EQ(std::count(types.begin(), types.end(), "ack"), 300);
  // The worker was asked to flush (the test worker answers with a final). That the final comes
  // before recording_stopped rests on the real worker acking an utterance only after its final:
  // the integration tests check that with the real model.
  EXPECT_LT(index_of(types, "final_text"), types.size()) << "no flush reached the worker";
  EXPECT_LT(index_of(types, "recording_stopped"), types.size());
}

TEST_F(Fixture, FramesAWorkerNeverAcknowledgedAreReplayedIntoTheNextOne) {
  test::WorkerProcess stuck({"--no-read"});
  auto first = make_link(stuck, 1, bus);
  slot.store(first);
  auto source = std::make_unique<StreamSource>();
  StreamSource& feed = *source;
  Recording rec(std::move(source), "test", options(), slot, bus);
  rec.start();
  ASSERT_EQ(feed.feed(pcm_bytes(100)), StreamSource::Fed::Accepted);
  ASSERT_TRUE(wait_until([&] { return rec.snapshot().frames_sent >= 8; })) << "the stuck worker's sink took some";
  const uint64_t sent_to_first = rec.snapshot().frames_sent;
  EXPECT_EQ(rec.snapshot().frames_acked, 0u);

  stuck.kill(SIGKILL);  // a crash: the supervisor clears the slot, then a new instance is ready
  slot.store(nullptr);
  test::WorkerProcess fresh({});
  auto second = make_link(fresh, 2, bus);
  slot.store(second);
  feed.finish();
  rec.wait();
  const RecordingSnapshot s = rec.snapshot();
  EXPECT_EQ(s.frames_lost, 0u);
  EXPECT_EQ(s.frames_acked, 100u);
  EXPECT_EQ(s.frames_sent, 100u);
  // The test worker acks only the next seq it expects: all 100 acked means the new instance got
  // every frame, renumbered from 0.
  EXPECT_GE(s.frames_replayed, sent_to_first);
}

TEST_F(Fixture, TimesOfALaterInstanceMoveOntoTheRecordingsTimeline) {
  test::WorkerProcess w1({});
  auto first = make_link(w1, 1, bus);
  slot.store(first);
  auto source = std::make_unique<StreamSource>();
  StreamSource& feed = *source;
  Recording rec(std::move(source), "test", options(), slot, bus);
  rec.start();
  ASSERT_EQ(feed.feed(pcm_bytes(20)), StreamSource::Fed::Accepted);
  ASSERT_TRUE(wait_until([&] { return rec.snapshot().frames_acked == 20; }));
  test::WorkerProcess w2({});
  auto second = make_link(w2, 2, bus);
  slot.store(second);  // a restart: its seq 0 is the recording's frame 20, i.e. 200 ms
  ASSERT_EQ(feed.feed(pcm_bytes(5)), StreamSource::Fed::Accepted);
  ASSERT_TRUE(wait_until([&] { return rec.snapshot().frames_acked == 25; }));
  const WorkerMessage speech{WorkerMessageType::SpeechStart,
                             std::make_shared<const nlohmann::json>(nlohmann::json{{"type", "speech_start"}, {"audio_ms", 30}}), 0};
  EXPECT_EQ(second->state->on_timeline(speech)->at("audio_ms"), 230);
  EXPECT_EQ(second->state->on_timeline(speech)->at("recording"), rec.id()) << "the event names its recording";
  EXPECT_EQ(first->state->on_timeline(speech)->at("audio_ms"), 30) << "the old instance is off the timeline";
  const WorkerMessage ack{WorkerMessageType::Ack,
                          std::make_shared<const nlohmann::json>(nlohmann::json{{"type", "ack"}, {"seq", 3}}), 0};
  EXPECT_EQ(second->state->on_timeline(ack), ack.body) << "the instance's own traffic is passed as it is";
  feed.finish();
  rec.wait();
  EXPECT_EQ(second->state->on_timeline(speech)->at("audio_ms"), 30) << "no recording, no mapping";
}

// A gap with no worker longer than the ring (a restart after a ping timeout, a slow model load
// on a busy machine) loses nothing: the ring's frames wait in the pending queue, and the next
// worker gets them all, in order.
TEST_F(Fixture, AGapWithNoWorkerLongerThanTheRingLosesNothing) {
  RecordingOptions o = options();
  o.ring_frames = 10;
  o.replay_frames = 100;
  auto source = std::make_unique<StreamSource>();
  StreamSource& feed = *source;
  Recording rec(std::move(source), "test", o, slot, bus);  // no worker yet
  rec.start();
  for (int piece = 0; piece < 12; ++piece) {  // 60 frames: six rings' worth
    ASSERT_EQ(feed.feed(pcm_bytes(5)), StreamSource::Fed::Accepted) << piece;
    ASSERT_TRUE(wait_until([&] { return rec.snapshot().occupancy == 0.0; })) << "the pump drains the ring";
  }
  EXPECT_EQ(rec.snapshot().frames_sent, 0u);
  test::WorkerProcess w({});
  auto link = make_link(w, 1, bus);
  slot.store(link);
  feed.finish();
  rec.wait();
  const RecordingSnapshot s = rec.snapshot();
  EXPECT_EQ(s.reason, "end_of_stream");
  EXPECT_EQ(s.frames_lost, 0u);
  EXPECT_EQ(s.frames_rejected, 0u);
  EXPECT_EQ(s.frames_acked, 60u) << "the test worker acks only in-order frames: every frame reached it, in order";
}

// The pending queue has the replay bound: a gap that outlasts it and the ring is an overflow,
// said with stt_error, and every frame it held is counted lost.
TEST_F(Fixture, AGapLongerThanThePendingBoundAndTheRingOverflows) {
  RecordingOptions o = options();
  o.ring_frames = 10;
  o.replay_frames = 20;
  auto source = std::make_unique<StreamSource>();
  StreamSource& feed = *source;
  Recording rec(std::move(source), "test", o, slot, bus);
  rec.start();
  int fed = 0;
  while (fed < 100 && feed.feed(pcm_bytes(5)) == StreamSource::Fed::Accepted) {
    fed += 5;
    wait_until([&] { return rec.snapshot().occupancy == 0.0; }, 200ms);
  }
  rec.wait();
  const RecordingSnapshot s = rec.snapshot();
  EXPECT_EQ(s.reason, "overflow");
  EXPECT_GE(fed, 25) << "the pending queue took 20 frames before the ring filled";
  EXPECT_EQ(s.frames_lost, s.frames_captured + s.frames_rejected);
}

TEST_F(Fixture, AFullRingStopsTheRecordingAtOnceWithSttErrorAndCountsTheLoss) {
  EventStream events = bus.subscribe();
  RecordingOptions o = options();
  o.ring_frames = 10;
  auto source = std::make_unique<StreamSource>();
  StreamSource& feed = *source;
  Recording rec(std::move(source), "test", o, slot, bus);  // no worker at all
  rec.start();
  EXPECT_EQ(feed.feed(pcm_bytes(11)), StreamSource::Fed::Ended);  // the 11th frame does not fit
  rec.wait();
  const RecordingSnapshot s = rec.snapshot();
  EXPECT_EQ(s.reason, "overflow");
  EXPECT_EQ(s.frames_rejected, 1u);
  EXPECT_EQ(s.frames_lost, 11u);
  EXPECT_EQ(s.level, BufferLevel::Overflow);
  const auto types = event_types(events);
  EXPECT_LT(index_of(types, "buffer_critical"), index_of(types, "stt_error"));
  EXPECT_LT(index_of(types, "stt_error"), index_of(types, "recording_stopped"));
  EXPECT_LT(index_of(types, "audio_lost"), types.size());
  EXPECT_EQ(feed.feed(pcm_bytes(1)), StreamSource::Fed::Ended) << "no audio after the stop";
}

TEST_F(Fixture, AWaitingStreamHoldsBackWhatDoesNotFitAndLosesNothing) {
  RecordingOptions o = options();
  o.ring_frames = 10;
  auto source = std::make_unique<StreamSource>(/*waits=*/true);
  StreamSource& feed = *source;
  Recording rec(std::move(source), "test", o, slot, bus);  // no worker yet: the ring fills
  rec.start();
  EXPECT_EQ(feed.feed(pcm_bytes(50)), StreamSource::Fed::Full);
  EXPECT_EQ(feed.drain(), StreamSource::Fed::Full);
  test::WorkerProcess w({});
  slot.store(make_link(w, 1, bus));
  ASSERT_TRUE(wait_until([&] { return feed.drain() == StreamSource::Fed::Accepted; }));
  feed.finish();
  rec.wait();
  const RecordingSnapshot s = rec.snapshot();
  EXPECT_EQ(s.reason, "end_of_stream");
  EXPECT_EQ(s.frames_rejected, 0u);
  EXPECT_EQ(s.frames_acked, 50u);
  EXPECT_EQ(s.frames_lost, 0u);
}

}  // namespace
}  // namespace vs
