#include "worker_pipe/worker_link.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

WorkerMessage message(nlohmann::json body) {
  const auto type = worker_message_type(body["type"].get<std::string>());
  return WorkerMessage{*type, std::make_shared<const nlohmann::json>(std::move(body))};
}

TEST(WorkerLinkState, EachStreamHasItsRecordingTimelineAndAcks) {
  WorkerLinkState state;
  EXPECT_FALSE(state.carries_streams());
  state.on_ready(message({{"type", "ready"}, {"protocol", 2}}));
  EXPECT_TRUE(state.carries_streams());
  state.set_timeline("rec_a", 1000, "rec_a");
  state.set_timeline("rec_b", -500, "rec_b");
  EXPECT_TRUE(state.feeding_recording());

  const auto a = state.on_timeline(message({{"type", "final_text"}, {"stream", "rec_a"}, {"start_ms", 100}, {"end_ms", 900}}));
  EXPECT_EQ((*a)["recording"], "rec_a");
  EXPECT_EQ((*a)["start_ms"], 1100);
  const auto b = state.on_timeline(message({{"type", "partial_text"}, {"stream", "rec_b"}, {"audio_ms", 600}}));
  EXPECT_EQ((*b)["recording"], "rec_b");
  EXPECT_EQ((*b)["audio_ms"], 100);
  const auto other = state.on_timeline(message({{"type", "speech_start"}, {"stream", "rec_gone"}, {"audio_ms", 5}}));
  EXPECT_FALSE(other->contains("recording")) << "a stream no pump set up names no recording";

  state.on_ack(message({{"type", "ack"}, {"stream", "rec_a"}, {"seq", 41}, {"received", 42u}}));
  state.on_ack(message({{"type", "ack"}, {"stream", "rec_a"}, {"seq", 40}}));  // never backwards
  EXPECT_EQ(state.acked("rec_a"), 41);
  EXPECT_EQ(state.worker_received("rec_a"), 42u);
  EXPECT_EQ(state.acked("rec_b"), -1);

  state.clear_timeline("rec_a");
  state.on_ack(message({{"type", "ack"}, {"stream", "rec_a"}, {"seq", 50}}));  // late: not brought back
  EXPECT_EQ(state.acked("rec_a"), -1);
  state.clear_timeline("rec_b");
  EXPECT_FALSE(state.feeding_recording());
}

TEST(WorkerLinkState, AFinalsWordTimesMoveWithItsSpan) {
  WorkerLinkState state;
  state.on_ready(message({{"type", "ready"}, {"protocol", 2}}));
  state.set_timeline("rec_a", 5000, "rec_a");  // a replayed utterance: the new instance's time 0 is 5 s in
  const auto f = state.on_timeline(message(
      {{"type", "final_text"}, {"stream", "rec_a"}, {"start_ms", 100}, {"end_ms", 900},
       {"words", {{{"word", " Hello"}, {"start_ms", 100}, {"end_ms", 400}, {"probability", 0.9}},
                  {{"word", " there"}, {"start_ms", 450}, {"end_ms", 900}},
                  "not an object"}}}));
  EXPECT_EQ((*f)["start_ms"], 5100);
  const auto& words = (*f)["words"];
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(words[0]["start_ms"], 5100);
  EXPECT_EQ(words[0]["end_ms"], 5400);
  EXPECT_EQ(words[0]["word"], " Hello");
  EXPECT_DOUBLE_EQ(words[0]["probability"].get<double>(), 0.9);
  EXPECT_EQ(words[1]["start_ms"], 5450);
  EXPECT_EQ(words[1]["end_ms"], 5900);
  EXPECT_EQ(words[2], "not an object") << "what is not a word passes as it came";
}

}  // namespace
}  // namespace vs
