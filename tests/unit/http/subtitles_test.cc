#include "common/subtitles.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

const std::vector<TimedText> kCues = {{0, 2500, " Hello there. "}, {3000, 3000, ""}, {3723004, 3725010, "Bye."}};

TEST(Subtitles, TimesInBothSeparators) {
  EXPECT_EQ(subtitle_time(3723004, ','), "01:02:03,004");
  EXPECT_EQ(subtitle_time(3723004, '.'), "01:02:03.004");
  EXPECT_EQ(subtitle_time(-5, ','), "00:00:00,000");
}

TEST(Subtitles, SrtNumbersNonEmptyCuesFromOne) {
  EXPECT_EQ(to_srt(kCues),
            "1\n00:00:00,000 --> 00:00:02,500\nHello there.\n\n"
            "2\n01:02:03,004 --> 01:02:05,010\nBye.\n\n");
}

TEST(Subtitles, VttHasItsHeaderAndDotMillis) {
  EXPECT_EQ(to_vtt(kCues),
            "WEBVTT\n\n"
            "00:00:00.000 --> 00:00:02.500\nHello there.\n\n"
            "01:02:03.004 --> 01:02:05.010\nBye.\n\n");
}

TEST(Subtitles, ACueCannotBeEndedOrBrokenByItsText) {
  const std::vector<TimedText> tricky = {{1000, 500, "a\n\nb --> c"}};
  // The blank line would end the cue; an end before the start is clamped to the start.
  EXPECT_EQ(to_srt(tricky), "1\n00:00:01,000 --> 00:00:01,000\na\nb --> c\n\n");
  EXPECT_EQ(to_vtt(tricky), "WEBVTT\n\n00:00:01.000 --> 00:00:01.000\na\nb -> c\n\n");
}

TEST(Subtitles, JoinedTextIsOneTrimmedParagraph) {
  EXPECT_EQ(joined_text(kCues), "Hello there. Bye.");
  EXPECT_EQ(joined_text({}), "");
  EXPECT_EQ(to_vtt({}), "WEBVTT\n\n");
}

}  // namespace
}  // namespace vs
