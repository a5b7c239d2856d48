// TranscriptStream: one recording's transcript off the bus, typed — only its own events, the
// worker's fields read once, nothing after its end, and lags and the bus's close told.
#include "audio/transcript_stream.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kOurs = "rec_ours";

json ours(json body) {
  body["recording"] = kOurs;
  return body;
}

TEST(TranscriptStream, ReadsOnlyItsRecordingsTranscriptTyped) {
  EventBus bus(64);
  TranscriptStream t(bus.subscribe(), kOurs);
  bus.publish({{"type", "final_text"}, {"text", "an earlier one"}, {"recording", "rec_earlier"}});
  bus.publish(ours({{"type", "recording_started"}}));
  bus.publish(ours({{"type", "speech_start"}, {"audio_ms", 300}}));
  bus.publish({{"type", "worker_state"}, {"state", "running"}});  // not about a transcript
  bus.publish(ours({{"type", "partial_text"}, {"text", " the quick "}, {"audio_ms", 900}}));
  bus.publish({{"type", "partial_text"}, {"text", "beside"}, {"recording", "rec_beside"}});
  bus.publish(ours({{"type", "final_text"}, {"text", " The quick fox."}, {"start_ms", 300}, {"end_ms", 1400},
                    {"latency_ms", 180.5}}));
  bus.publish(ours({{"type", "speech_end"}, {"audio_ms", 1400}}));
  bus.publish(ours({{"type", "recording_stopped"}, {"reason", "end_of_file"}, {"error", nullptr},
                    {"frames_captured", 140}, {"frames_acked", 140}, {"frames_lost", 0}}));

  auto e = t.poll();
  ASSERT_TRUE(e && std::holds_alternative<SpeechStarted>(*e));
  EXPECT_EQ(std::get<SpeechStarted>(*e).audio_ms, 300);
  e = t.poll();
  ASSERT_TRUE(e && std::holds_alternative<PartialText>(*e));
  EXPECT_EQ(std::get<PartialText>(*e).text, "the quick");
  EXPECT_EQ(std::get<PartialText>(*e).audio_ms, 900);
  e = t.poll();
  ASSERT_TRUE(e && std::holds_alternative<FinalText>(*e));
  const FinalText& f = std::get<FinalText>(*e);
  EXPECT_EQ(f.text, "The quick fox.");
  EXPECT_EQ(f.start_ms, 300);
  EXPECT_EQ(f.end_ms, 1400);
  ASSERT_TRUE(f.latency_ms);
  EXPECT_DOUBLE_EQ(*f.latency_ms, 180.5);
  e = t.poll();
  ASSERT_TRUE(e && std::holds_alternative<SpeechEnded>(*e));
  EXPECT_FALSE(t.ended());
  e = t.poll();
  ASSERT_TRUE(e && std::holds_alternative<RecordingEnded>(*e));
  const RecordingEnded& end = std::get<RecordingEnded>(*e);
  EXPECT_EQ(end.reason, "end_of_file");
  EXPECT_EQ(end.error, "");
  EXPECT_EQ(end.frames_captured, 140u);
  EXPECT_EQ(end.frames_acked, 140u);
  EXPECT_TRUE(t.ended());
  EXPECT_EQ(t.missed(), 0u);
}

TEST(TranscriptStream, NothingFollowsItsEnd) {
  EventBus bus(64);
  TranscriptStream t(bus.subscribe(), kOurs);
  bus.publish(ours({{"type", "recording_stopped"}, {"reason", "requested"}}));
  bus.publish(ours({{"type", "final_text"}, {"text", "late"}}));
  ASSERT_TRUE(t.poll());
  EXPECT_TRUE(t.ended());
  EXPECT_FALSE(t.poll());
  EXPECT_FALSE(t.next_for(10ms));
}

TEST(TranscriptStream, AFinalWithoutTimesOrLatencyReadsAsZeroSpanAndNoLatency) {
  EventBus bus(64);
  TranscriptStream t(bus.subscribe(), kOurs);
  bus.publish(ours({{"type", "final_text"}, {"text", ""}, {"start_ms", 500}}));
  auto e = t.poll();
  ASSERT_TRUE(e && std::holds_alternative<FinalText>(*e));
  EXPECT_EQ(std::get<FinalText>(*e).text, "");  // blank: a door that shows text skips it
  EXPECT_EQ(std::get<FinalText>(*e).end_ms, 500);
  EXPECT_FALSE(std::get<FinalText>(*e).latency_ms);
}

TEST(TranscriptStream, AFinalCarriesTheDecodersScoresAndWords) {
  EventBus bus(64);
  TranscriptStream t(bus.subscribe(), kOurs);
  bus.publish(ours({{"type", "final_text"}, {"text", " Hello there."}, {"start_ms", 1200}, {"end_ms", 2000},
                    {"avg_logprob", -0.31}, {"no_speech_prob", 0.04}, {"compression_ratio", 1.37},
                    {"temperature", 0.2}, {"language", "en"},
                    {"words", {{{"word", " Hello"}, {"start_ms", 1230}, {"end_ms", 1490}, {"probability", 0.93}},
                               {{"word", " there."}, {"start_ms", 1500}, {"end_ms", 1990}},
                               {{"word", " untimed"}},  // no times: left out, not put at 0
                               {{"start_ms", 1}, {"end_ms", 2}},
                               "junk"}}}));
  bus.publish(ours({{"type", "final_text"}, {"text", "plain"}, {"start_ms", 3000}, {"end_ms", 3500}}));
  auto e = t.poll();
  ASSERT_TRUE(e && std::holds_alternative<FinalText>(*e));
  const FinalText& f = std::get<FinalText>(*e);
  EXPECT_DOUBLE_EQ(f.avg_logprob.value_or(1), -0.31);
  EXPECT_DOUBLE_EQ(f.no_speech_prob.value_or(-1), 0.04);
  EXPECT_DOUBLE_EQ(f.compression_ratio.value_or(-1), 1.37);
  EXPECT_DOUBLE_EQ(f.temperature.value_or(-1), 0.2);
  EXPECT_EQ(f.language, "en");
  ASSERT_EQ(f.words.size(), 2u);
  EXPECT_EQ(f.words[0].text, " Hello");
  EXPECT_EQ(f.words[0].start_ms, 1230);
  EXPECT_EQ(f.words[0].end_ms, 1490);
  EXPECT_DOUBLE_EQ(f.words[0].probability.value_or(0), 0.93);
  EXPECT_EQ(f.words[1].end_ms, 1990);
  EXPECT_FALSE(f.words[1].probability);
  const TimedText timed = timed_text(f);
  EXPECT_EQ(timed.start_ms, 1200);
  EXPECT_EQ(timed.words.size(), 2u);

  e = t.poll();
  ASSERT_TRUE(e && std::holds_alternative<FinalText>(*e));
  const FinalText& plain = std::get<FinalText>(*e);
  EXPECT_FALSE(plain.avg_logprob || plain.no_speech_prob || plain.compression_ratio || plain.temperature)
      << "a score the worker did not send is not there";
  EXPECT_EQ(plain.language, "");
  EXPECT_TRUE(plain.words.empty());
}

TEST(TranscriptStream, CountsWhatTheBusDroppedAndSeesItClose) {
  EventBus bus(4);
  TranscriptStream t(bus.subscribe(), kOurs);
  for (int i = 0; i < 10; ++i) bus.publish(ours({{"type", "final_text"}, {"text", std::to_string(i)}}));
  int read = 0;
  while (t.poll()) ++read;
  EXPECT_EQ(read, 4);
  EXPECT_EQ(t.missed(), 6u);
  EXPECT_FALSE(t.closed());
  bus.close();
  EXPECT_FALSE(t.next_for(1s));
  EXPECT_TRUE(t.closed());
  EXPECT_FALSE(t.ended());
}

TEST(TranscriptStream, ADefaultOneHasEndedAndReadsNothing) {
  TranscriptStream t;
  EXPECT_TRUE(t.ended());
  EXPECT_FALSE(t.poll());
}

}  // namespace
}  // namespace vs
