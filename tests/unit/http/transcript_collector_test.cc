#include "http/transcript_collector.h"

#include <thread>

#include <gtest/gtest.h>

#include "http/openai_stream.h"

namespace vs {
namespace {

using nlohmann::json;

constexpr const char* kOurs = "rec_ours";

void final_text(EventBus& bus, long long start, const std::string& text, const std::string& recording = kOurs) {
  bus.publish({{"type", "final_text"}, {"text", text}, {"start_ms", start}, {"end_ms", start + 900},
               {"recording", recording}});
}

void ours(EventBus& bus, const std::string& type) { bus.publish({{"type", type}, {"recording", kOurs}}); }

TEST(TranscriptCollector, KeepsOnlyTheRecordingsOwnFinals) {
  EventBus bus(64);
  auto c = TranscriptCollector::create(TranscriptStream(bus.subscribe(), kOurs));
  final_text(bus, 0, "before", "rec_earlier");  // an earlier recording's late final
  ours(bus, "recording_started");
  c->watch();
  final_text(bus, 100, "one");
  final_text(bus, 150, "theirs", "rec_beside");  // a recording running beside it
  final_text(bus, 200, "  ");  // nothing real was said
  bus.publish({{"type", "partial_text"}, {"text", "tw"}, {"recording", kOurs}});
  bus.publish({{"type", "final_text"}, {"text", "no id"}, {"start_ms", 250}});  // not a recording's
  final_text(bus, 300, "two");
  bus.publish({{"type", "recording_stopped"}, {"reason", "end_of_file"}, {"recording", kOurs}});
  final_text(bus, 0, "after");
  std::optional<TranscriptCollector::Result> got;
  c->on_done([&](const TranscriptCollector::Result& r) { got = r; });
  EXPECT_FALSE(got);  // not before the recording has finished
  RecordingSnapshot s;
  s.reason = "end_of_file";
  c->finish(s);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->finals.size(), 2u);
  EXPECT_EQ(got->finals[0].text, "one");
  EXPECT_EQ(got->finals[1].start_ms, 300);
  EXPECT_EQ(got->recording.reason, "end_of_file");
  EXPECT_EQ(got->missed_events, 0u);
}

TEST(TranscriptCollector, ReadsAsTheBusFillsSoALongRecordingNeverLags) {
  EventBus bus(8);  // far fewer slots than events
  auto c = TranscriptCollector::create(TranscriptStream(bus.subscribe(), kOurs));
  ours(bus, "recording_started");
  c->watch();
  std::thread publisher([&] {
    for (int i = 0; i < 500; ++i) {
      bus.publish({{"type", "ack"}, {"seq", i}});
      if (i % 10 == 0) final_text(bus, i, "w" + std::to_string(i));
    }
  });
  publisher.join();
  c->finish(RecordingSnapshot{});
  const auto r = c->result();
  EXPECT_EQ(r.missed_events, 0u);
  EXPECT_EQ(r.finals.size(), 50u);
}

TEST(OpenAiTranscriptStream, DeltasThenDone) {
  EventBus bus(64);
  auto c = TranscriptCollector::create(TranscriptStream(bus.subscribe(), kOurs));
  ours(bus, "recording_started");
  c->watch();
  OpenAiTranscriptStream stream(c, [](const TranscriptCollector::Result&) { return std::nullopt; });
  std::string out;
  EXPECT_EQ(stream.pull(out, 1 << 14), ReplyStream::Pull::Idle);
  bool woken = false;
  EXPECT_TRUE(stream.wake_when_ready([&] { woken = true; }));
  final_text(bus, 0, "Hello.");
  EXPECT_TRUE(woken);
  EXPECT_EQ(stream.pull(out, 1 << 14), ReplyStream::Pull::Data);
  final_text(bus, 1000, "Again.");
  c->finish(RecordingSnapshot{});
  EXPECT_EQ(stream.pull(out, 1 << 14), ReplyStream::Pull::Data);
  EXPECT_EQ(out,
            "data: {\"delta\":\"Hello.\",\"type\":\"transcript.text.delta\"}\n\n"
            "data: {\"delta\":\" Again.\",\"type\":\"transcript.text.delta\"}\n\n"
            "data: {\"text\":\"Hello. Again.\",\"type\":\"transcript.text.done\"}\n\n");
  std::string rest;
  EXPECT_EQ(stream.pull(rest, 1 << 14), ReplyStream::Pull::End);
}

TEST(OpenAiTranscriptStream, AFailedRecordingEndsWithAnErrorEvent) {
  EventBus bus(64);
  auto c = TranscriptCollector::create(TranscriptStream(bus.subscribe(), kOurs));
  c->watch();
  OpenAiTranscriptStream stream(c, [](const TranscriptCollector::Result&) {
    OpenAiError e;
    e.message = "the recording stopped (overflow)";
    return std::optional<OpenAiError>(e);
  });
  c->finish(RecordingSnapshot{});
  std::string out;
  EXPECT_EQ(stream.pull(out, 1 << 14), ReplyStream::Pull::Data);
  EXPECT_NE(out.find("\"error\":{"), std::string::npos) << out;
  EXPECT_NE(out.find("the recording stopped (overflow)"), std::string::npos);
  EXPECT_EQ(out.find("transcript.text.done"), std::string::npos);
}

}  // namespace
}  // namespace vs
