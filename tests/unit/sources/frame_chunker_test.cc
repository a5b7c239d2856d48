#include "sources/frame_chunker.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace vs {
namespace {

struct Frames {
  std::vector<AudioFrame> got;
  FrameChunker::Emit emit() {
    return [this](const AudioFrame& f) {
      got.push_back(f);
      return true;
    };
  }
};

std::vector<int16_t> ramp(size_t n, int16_t first = 1) {
  std::vector<int16_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

TEST(FrameChunker, KeepsTheRemainderForTheNextPiece) {
  FrameChunker chunker;
  Frames frames;
  const std::vector<int16_t> samples = ramp(400);
  chunker.feed(std::span(samples).first(100), frames.emit());
  EXPECT_TRUE(frames.got.empty());
  EXPECT_EQ(chunker.held(), 100u);
  chunker.feed(std::span(samples).subspan(100, 100), frames.emit());
  ASSERT_EQ(frames.got.size(), 1u);
  EXPECT_EQ(chunker.held(), 40u);
  chunker.feed(std::span(samples).subspan(200), frames.emit());
  ASSERT_EQ(frames.got.size(), 2u);
  EXPECT_EQ(chunker.held(), 80u);
  for (size_t i = 0; i < 2 * kFrameSamples; ++i) {
    EXPECT_EQ(frames.got[i / kFrameSamples][i % kFrameSamples], samples[i]) << i;
  }
}

TEST(FrameChunker, FinishPadsTheLastFrameWithSilenceOnce) {
  FrameChunker chunker;
  Frames frames;
  const std::vector<int16_t> samples = ramp(50, 7);
  chunker.feed(samples, frames.emit());
  EXPECT_TRUE(chunker.finish(frames.emit()));
  ASSERT_EQ(frames.got.size(), 1u);
  for (size_t i = 0; i < kFrameSamples; ++i) {
    EXPECT_EQ(frames.got[0][i], i < 50 ? samples[i] : 0) << i;
  }
  EXPECT_TRUE(chunker.finish(frames.emit()));  // nothing held: no frame
  EXPECT_EQ(frames.got.size(), 1u);
}

TEST(FrameChunker, StopsAsSoonAsEmitRefuses) {
  FrameChunker chunker;
  int calls = 0;
  const std::vector<int16_t> samples = ramp(5 * kFrameSamples);
  EXPECT_FALSE(chunker.feed(samples, [&](const AudioFrame&) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace vs
