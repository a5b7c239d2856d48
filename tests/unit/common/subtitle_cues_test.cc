// subtitle_cues: finals cut into cues a viewer can read — two lines of 42 characters, 7 s, words
// never split, times monotonic and inside their final — with and without word timings.
#include <gtest/gtest.h>

#include <sstream>

#include "common/subtitles.h"

namespace vs {
namespace {

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// A final whose words are evenly spread over [start, end], as Whisper writes them (" word").
TimedText timed_final(long long start, long long end, const std::string& text) {
  TimedText f{start, end, text};
  const auto words = words_of(text);
  const long long step = (end - start) / static_cast<long long>(words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    const long long s = start + step * static_cast<long long>(i);
    f.words.push_back(TimedWord{" " + words[i], s, s + step * 4 / 5, 0.9});
  }
  return f;
}

const std::string kLong =
    "And so my fellow Americans ask not what your country can do for you ask what you can do for your "
    "country My fellow citizens of the world ask not what America will do for you but what together we can "
    "do for the freedom of man extraordinarily incomprehensibilities notwithstanding";

// Every limit of a cue list made from `finals`, and that the words read in the same order.
void expect_readable(const std::vector<TimedText>& finals, const std::vector<TimedText>& cues, bool time_limit) {
  std::vector<std::string> want, got;
  for (const TimedText& f : finals) {
    for (auto& w : words_of(f.text)) want.push_back(w);
  }
  long long last_end = -1;
  for (const TimedText& c : cues) {
    const auto lines = lines_of(c.text);
    ASSERT_GE(lines.size(), 1u) << c.text;
    EXPECT_LE(lines.size(), 2u) << c.text;
    for (const auto& line : lines) {
      EXPECT_LE(code_points(line), 42u) << line;
      EXPECT_FALSE(line.empty() || line.front() == ' ' || line.back() == ' ') << "[" << line << "]";
    }
    if (time_limit) {
      EXPECT_LE(c.end_ms - c.start_ms, 7000) << c.text;
    }
    EXPECT_LE(c.start_ms, c.end_ms) << c.text;
    EXPECT_GE(c.start_ms, last_end) << "cues overlap or run backwards at " << c.text;
    last_end = c.end_ms;
    for (auto& w : words_of(c.text)) got.push_back(w);
  }
  EXPECT_EQ(got, want) << "a word was split, lost or moved";
}

TEST(SubtitleCues, TimedWordsKeepTwoLinesOf42AndSevenSeconds) {
  const std::vector<TimedText> finals = {timed_final(1000, 26000, kLong)};
  const auto cues = subtitle_cues(finals);
  ASSERT_GE(cues.size(), 4u);  // 278 characters cannot fit fewer than 4 cues, 25 s fewer than 4
  expect_readable(finals, cues, true);
  EXPECT_EQ(cues.front().start_ms, 1000);
  EXPECT_LE(cues.back().end_ms, 26000);
  EXPECT_LE(cues.size(), 10u) << "cues are filled, not one word each";
}

TEST(SubtitleCues, SlowSpeechIsCutAtSevenSecondsThoughItFitsTheLines) {
  // Six words over 30 s: the text fits one line, the time does not.
  const std::vector<TimedText> finals = {timed_final(0, 30000, "one two three four five six")};
  const auto cues = subtitle_cues(finals);
  ASSERT_EQ(cues.size(), 6u);  // 5 s apart, each shown 4 s: two together would be 9 s
  expect_readable(finals, cues, true);
}

TEST(SubtitleCues, TwoLinesAreBalanced) {
  // 59 characters: one line cannot hold them; split near the middle.
  const std::vector<TimedText> finals = {timed_final(0, 4000, "the quick brown fox jumps over the lazy dog again and again")};
  const auto cues = subtitle_cues(finals);
  ASSERT_EQ(cues.size(), 1u);
  const auto lines = lines_of(cues[0].text);
  ASSERT_EQ(lines.size(), 2u);
  // The break that makes the longer line shortest: 30 + 28 (greedy filling would give 42 + 16).
  EXPECT_EQ(lines[0], "the quick brown fox jumps over");
  EXPECT_EQ(lines[1], "the lazy dog again and again");
}

TEST(SubtitleCues, ACueCutShortEndsWhereASentenceDoes) {
  // Greedy filling would end the first cue with "And then more words", the second "follow here".
  const std::vector<TimedText> finals = {
      timed_final(0, 6000, "It was the winter of despair and we had nothing before us. And then more words follow here")};
  const auto cues = subtitle_cues(finals);
  ASSERT_EQ(cues.size(), 2u);
  EXPECT_EQ(cues[0].text, "It was the winter of despair\nand we had nothing before us.");
  EXPECT_EQ(cues[1].text, "And then more words follow here");
  expect_readable(finals, cues, true);
}

TEST(SubtitleCues, WordTimesAreClampedIntoTheFinalAndMonotonic) {
  TimedText f{1000, 3000, "a b c"};
  f.words = {{" a", 500, 1500}, {" b", 2500, 2000}, {" c", 1800, 9000}};  // before, backwards, beyond
  const auto cues = subtitle_cues({f}, CueLimits{42, 400});  // one word per cue
  ASSERT_EQ(cues.size(), 3u);
  EXPECT_EQ(cues[0].start_ms, 1000);
  EXPECT_EQ(cues[0].end_ms, 1500);
  EXPECT_EQ(cues[1].start_ms, 2500);
  EXPECT_EQ(cues[1].end_ms, 2500);
  EXPECT_EQ(cues[2].start_ms, 2500);
  EXPECT_EQ(cues[2].end_ms, 3000);
}

TEST(SubtitleCues, AShortFinalWithoutWordsIsTodaysOneCue) {
  const auto cues = subtitle_cues({{0, 25000, "  Hello   there.  "}});
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_EQ(cues[0].text, "Hello there.");
  EXPECT_EQ(cues[0].start_ms, 0);
  EXPECT_EQ(cues[0].end_ms, 25000) << "without word times the span is not cut by time";
}

TEST(SubtitleCues, ALongFinalWithoutWordsIsCutByCharactersItsSpanSharedInProportion) {
  const std::vector<TimedText> finals = {{10000, 37800, kLong}};  // 278 characters over 27.8 s
  const auto cues = subtitle_cues(finals);
  ASSERT_GE(cues.size(), 4u);
  expect_readable(finals, cues, false);
  EXPECT_EQ(cues.front().start_ms, 10000);
  EXPECT_EQ(cues.back().end_ms, 37800);
  for (const TimedText& c : cues) {
    // 100 ms per character (and the blank after it); rounding allows a few ms either way.
    const double expected = 100.0 * static_cast<double>(code_points(c.text));
    EXPECT_NEAR(static_cast<double>(c.end_ms - c.start_ms), expected, 120) << c.text;
  }
}

TEST(SubtitleCues, BlankFinalsAndWordsGiveNoCue) {
  TimedText blank_words{0, 1000, "x"};
  blank_words.words = {{" ", 0, 100}, {"", 100, 200}, {" x", 200, 900}};
  const auto cues = subtitle_cues({{0, 500, ""}, {600, 700, "  \n "}, blank_words});
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_EQ(cues[0].text, "x");
  EXPECT_EQ(cues[0].start_ms, 200);
  EXPECT_TRUE(subtitle_cues({}).empty());
}

TEST(SubtitleCues, AWordLongerThanALineStandsAloneWhole) {
  const std::string huge(50, 'w');
  const auto cues = subtitle_cues({{0, 3000, "short " + huge + " end"}});
  ASSERT_EQ(cues.size(), 3u);
  EXPECT_EQ(cues[0].text, "short");
  EXPECT_EQ(cues[1].text, huge);
  EXPECT_EQ(cues[2].text, "end");
}

TEST(SubtitleCues, CharactersAreCodePointsNotBytes) {
  // 14 words of "éèà" (3 characters, 6 bytes): 55 characters, 97 bytes: one cue of two lines.
  std::string text;
  for (int i = 0; i < 14; ++i) text += (i ? " " : "") + std::string("éèà");
  const auto cues = subtitle_cues({{0, 5000, text}});
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_EQ(lines_of(cues[0].text).size(), 2u);
}

TEST(SubtitleCues, AWordWithoutItsLeadingSpaceContinuesTheOneBefore) {
  TimedText f{0, 2000, "don't stop"};
  f.words = {{" don", 0, 300}, {"'t", 300, 500}, {" stop", 600, 1000}};
  const auto cues = subtitle_cues({f});
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_EQ(cues[0].text, "don't stop");
  EXPECT_EQ(to_srt(cues), "1\n00:00:00,000 --> 00:00:01,000\ndon't stop\n\n");
}

}  // namespace
}  // namespace vs
