// One recording's transcript → Wyoming's streaming transcript: chunks only ever append,
// the final transcript is the finals joined, and another recording's events are ignored.
#include <gtest/gtest.h>

#include "wyoming/transcript_follower.h"

namespace vs {
namespace {

using nlohmann::json;

std::string chunks_of(const std::vector<WyomingEvent>& evs) {
  std::string s;
  for (const auto& e : evs) {
    if (e.type == "transcript-chunk") s += e.data["text"].get<std::string>();
  }
  return s;
}

constexpr const char* kOurs = "rec_ours";

// Each body as a bus event of our recording, unless it names another, read as our transcript
// reads it (transcript_event).
std::vector<WyomingEvent> feed(TranscriptFollower& f, const std::vector<json>& bodies) {
  std::vector<WyomingEvent> all;
  for (json b : bodies) {
    if (!b.contains("recording")) b["recording"] = kOurs;
    Event e;
    e.type = b["type"].get<std::string>();
    e.body = std::make_shared<const json>(b);
    const std::optional<TranscriptEvent> t = transcript_event(e, kOurs);
    if (!t) continue;
    auto out = f.on_event(*t);
    all.insert(all.end(), out.begin(), out.end());
  }
  return all;
}

TEST(TranscriptFollower, StreamsSettledWordsThenTheFinal) {
  TranscriptFollower f;
  auto evs = feed(f, {
                         // an earlier recording's tail, and one running beside ours: ignored
                         {{"type", "final_text"}, {"text", "old recording"}, {"recording", "rec_old"}},
                         {{"type", "partial_text"}, {"text", "other words"}, {"recording", "rec_beside"}},
                         {{"type", "recording_started"}},
                         {{"type", "speech_start"}},
                         {{"type", "partial_text"}, {"text", "the quick"}},
                         {{"type", "partial_text"}, {"text", "the quick brown fo"}},
                         {{"type", "final_text"}, {"text", " The quick brown fox."}},
                     });
  ASSERT_FALSE(evs.empty());
  EXPECT_EQ(evs[0].type, "transcript-start");
  // "the quick" held its last word back; "the quick brown fo" settled "the quick brown"; the
  // final's text differs in case, so nothing more could be appended.
  EXPECT_EQ(chunks_of(evs), "the quick brown");
  auto more = feed(f, {{{"type", "recording_started"}},
                       {{"type", "partial_text"}, {"text", "jumps over"}},
                       {{"type", "recording_stopped"}, {"reason", "end_of_stream"}}});
  EXPECT_TRUE(f.stopped());
  EXPECT_EQ(f.stop_reason(), "end_of_stream");
  const auto end = f.finish();
  ASSERT_EQ(end.size(), 2u);  // transcript-start went out already
  EXPECT_EQ(end[0].type, "transcript");
  EXPECT_EQ(end[0].data["text"], "The quick brown fox.");
  EXPECT_EQ(end[1].type, "transcript-stop");
}

TEST(TranscriptFollower, ChunksConcatenateToThePrefixOfTheTranscript) {
  TranscriptFollower f;
  auto evs = feed(f, {
                         {{"type", "recording_started"}},
                         {{"type", "partial_text"}, {"text", "hello there my"}},
                         {{"type", "final_text"}, {"text", "hello there my friend"}},
                         {{"type", "partial_text"}, {"text", "how are you"}},
                         {{"type", "final_text"}, {"text", "how are you today"}},
                         {{"type", "recording_stopped"}, {"reason", "end_of_stream"}},
                     });
  EXPECT_EQ(chunks_of(evs), "hello there my friend how are you today");
  EXPECT_EQ(f.text(), "hello there my friend how are you today");
}

TEST(TranscriptFollower, SilenceStillGetsStartTranscriptStop) {
  TranscriptFollower f;
  feed(f, {{{"type", "recording_started"}}, {{"type", "recording_stopped"}, {"reason", "end_of_stream"}}});
  const auto end = f.finish();
  ASSERT_EQ(end.size(), 3u);
  EXPECT_EQ(end[0].type, "transcript-start");
  EXPECT_EQ(end[1].data["text"], "");
  EXPECT_EQ(end[2].type, "transcript-stop");
}

}  // namespace
}  // namespace vs
