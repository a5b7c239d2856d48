// Every field the wyoming package's AsrProgram / AsrModel / Attribution require (no default in
// their dataclasses: Home Assistant's set-up fails without them). The integration test parses
// the real answer with the package's own Info.from_event as well.
#include <gtest/gtest.h>

#include "wyoming/info_event.h"

namespace vs {
namespace {

void expect_artifact(const nlohmann::json& a) {
  for (const char* key : {"name", "attribution", "installed", "description", "version"}) {
    EXPECT_TRUE(a.contains(key)) << key << " in " << a.dump();
  }
  EXPECT_TRUE(a["attribution"]["name"].is_string());
  EXPECT_TRUE(a["attribution"]["url"].is_string());
  EXPECT_EQ(a["installed"], true);
}

TEST(InfoEvent, OneAsrProgramWithItsModel) {
  const WyomingEvent e = info_event(ModelInfo{"faster-whisper", "tiny.en"});
  EXPECT_EQ(e.type, "info");
  ASSERT_EQ(e.data["asr"].size(), 1u);
  const auto& p = e.data["asr"][0];
  expect_artifact(p);
  EXPECT_EQ(p["supports_transcript_streaming"], true);
  EXPECT_EQ(p["requires_external_vad"], false);
  ASSERT_EQ(p["models"].size(), 1u);
  const auto& m = p["models"][0];
  expect_artifact(m);
  EXPECT_EQ(m["name"], "tiny.en");
  EXPECT_EQ(m["languages"], nlohmann::json::array({"en"}));
  for (const char* kind : {"tts", "handle", "intent", "wake", "mic", "snd"}) EXPECT_TRUE(e.data[kind].is_array());
}

TEST(InfoEvent, BeforeAnyWorkerWasReadyTheBundledModelIsDescribed) {
  const WyomingEvent e = info_event(ModelInfo{});
  EXPECT_EQ(e.data["asr"][0]["models"][0]["name"], "tiny.en");
}

}  // namespace
}  // namespace vs
