#include "worker_pipe/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vs {
namespace {

struct Collect {
  std::vector<std::string> lines;
  LineSplitter::OnLine fn() {
    return [this](std::string_view l) { lines.emplace_back(l); };
  }
};

TEST(LineSplitter, SplitsLinesAcrossArbitraryChunkBoundaries) {
  const std::string input = "one\ntwo\n\nthree\nfour";
  for (size_t step = 1; step <= input.size(); ++step) {
    LineSplitter split(100);
    Collect c;
    for (size_t i = 0; i < input.size(); i += step) split.feed(input.substr(i, step), c.fn());
    EXPECT_EQ(c.lines, (std::vector<std::string>{"one", "two", "", "three"})) << step;
    split.finish(c.fn());
    EXPECT_EQ(c.lines.back(), "four");
    EXPECT_EQ(split.oversized_lines(), 0u);
  }
}

TEST(LineSplitter, LineOfExactlyTheCapPassesOneMoreByteIsOversized) {
  LineSplitter split(5);
  Collect c;
  split.feed("12345\n123456\nok\n", c.fn());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"12345", "ok"}));
  EXPECT_EQ(split.oversized_lines(), 1u);
}

TEST(LineSplitter, OversizedLineIsDroppedWithoutBufferingIt) {
  LineSplitter split(1024);
  Collect c;
  split.feed("before\n", c.fn());
  const std::string chunk(4096, 'x');
  for (int i = 0; i < 512; ++i) {  // a 2 MiB line in 4 KiB chunks
    split.feed(chunk, c.fn());
    ASSERT_LE(split.buffered_bytes(), 1024u);
  }
  EXPECT_EQ(split.oversized_lines(), 1u);  // counted once, as soon as it crossed the cap
  split.feed("xxx\nafter\n", c.fn());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(split.oversized_lines(), 1u);
}

TEST(LineSplitter, OversizedPartialIsCountedWhenItCrossesTheCapAcrossChunks) {
  LineSplitter split(10);
  Collect c;
  split.feed("123456", c.fn());
  EXPECT_EQ(split.oversized_lines(), 0u);
  split.feed("789012", c.fn());
  EXPECT_EQ(split.oversized_lines(), 1u);
  EXPECT_EQ(split.buffered_bytes(), 0u);
  split.feed("345\nshort\n", c.fn());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"short"}));
  split.finish(c.fn());
  EXPECT_EQ(c.lines.size(), 1u);
}

TEST(LineSplitter, UnterminatedOversizedTailIsNotHandedOverAtFinish) {
  LineSplitter split(4);
  Collect c;
  split.feed("abcdefgh", c.fn());
  split.finish(c.fn());
  EXPECT_TRUE(c.lines.empty());
  EXPECT_EQ(split.oversized_lines(), 1u);
}

TEST(LineSplitter, TakeNewOversizedReturnsOnlyLinesSinceTheLastTake) {
  LineSplitter split(3);
  Collect c;
  EXPECT_EQ(split.take_new_oversized(), 0u);
  split.feed("abcd\nefgh\nok\n", c.fn());
  EXPECT_EQ(split.take_new_oversized(), 2u);
  EXPECT_EQ(split.take_new_oversized(), 0u);  // taken: reset
  split.feed("ijklmn", c.fn());               // counted as soon as it crosses the cap
  EXPECT_EQ(split.take_new_oversized(), 1u);
  split.feed("op\nxy\n", c.fn());              // the rest of that line is not counted again
  EXPECT_EQ(split.take_new_oversized(), 0u);
  EXPECT_EQ(split.oversized_lines(), 3u);  // the total is unaffected by taking
  EXPECT_EQ(c.lines, (std::vector<std::string>{"ok", "xy"}));
}

}  // namespace
}  // namespace vs
