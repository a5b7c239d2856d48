#include "sources/resampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "audio_fixtures.h"
#include "audio/audio_source.h"

namespace vs {
namespace {

std::vector<float> sine(int rate, int channels, double seconds, double hz, double amplitude) {
  const auto frames = static_cast<size_t>(seconds * rate);
  std::vector<float> out;
  out.reserve(frames * static_cast<size_t>(channels));
  for (size_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / rate;
    const auto v = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * hz * t));
    for (int c = 0; c < channels; ++c) out.push_back(v);
  }
  return out;
}

// The middle of a signal, away from the filter's start and end transients.
std::span<const int16_t> middle(const std::vector<int16_t>& v) {
  return std::span(v).subspan(v.size() / 10, v.size() * 8 / 10);
}

TEST(Resampler, SixteenKilohertzMonoIsPassedThroughBitExact) {
  Resampler r(16000, 1);
  EXPECT_TRUE(r.passthrough());
  std::vector<int16_t> pcm(1000);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>(i * 67 - 32768);
  std::vector<float> as_float;
  for (int16_t s : pcm) as_float.push_back(static_cast<float>(s) / 32768.0f);  // libsndfile's scale

  std::vector<int16_t> from_int, from_float;
  r.process(std::span<const int16_t>(pcm), from_int);
  r.process(std::span<const float>(as_float), from_float);
  r.flush(from_float);
  EXPECT_EQ(from_int, pcm);
  EXPECT_EQ(from_float, pcm);
}

TEST(Resampler, ClipsOutOfRangeSamplesInsteadOfWrapping) {
  Resampler r(16000, 1);
  const std::vector<float> in = {1.5f, -1.5f, 1.0f, -1.0f, std::numeric_limits<float>::quiet_NaN()};
  std::vector<int16_t> out;
  r.process(std::span<const float>(in), out);
  EXPECT_EQ(out, (std::vector<int16_t>{32767, -32768, 32767, -32768, 0}));
}

TEST(Resampler, DownMixAveragesChannelsEvenWhenAFrameIsSplitBetweenPieces) {
  Resampler r(16000, 3);
  const std::vector<float> in = {0.5f, 0.25f, 0.0f, -0.5f, -0.25f, 0.0f};
  std::vector<int16_t> out;
  r.process(std::span<const float>(in).first(4), out);  // one frame and a third
  r.process(std::span<const float>(in).subspan(4), out);
  EXPECT_EQ(out, (std::vector<int16_t>{8192, -8192}));
}

TEST(Resampler, ResampledSineKeepsItsLengthPitchAndLevel) {
  for (const int rate : {8000, 22050, 44100, 48000}) {
    SCOPED_TRACE(rate);
    Resampler r(rate, 2);
    const std::vector<float> in = sine(rate, 2, 1.0, 440, 0.5);
    std::vector<int16_t> out;
    for (size_t at = 0; at < in.size(); at += 1000) {  // streamed in pieces
      const size_t piece = std::min<size_t>(1000, in.size() - at);
      r.process(std::span<const float>(in).subspan(at, piece), out);
    }
    r.flush(out);
    EXPECT_NEAR(static_cast<double>(out.size()), 16000.0, 2.0);
    EXPECT_NEAR(test::frequency_hz(middle(out)), 440.0, 2.0);
    EXPECT_NEAR(test::rms(middle(out)), test::sine_rms(0.5), test::sine_rms(0.5) * 0.05);
  }
}

TEST(Resampler, PieceSizeDoesNotChangeTheOutput) {
  const std::vector<float> in = sine(44100, 1, 0.5, 1000, 0.3);
  const auto run = [&](size_t piece) {
    Resampler r(44100, 1);
    std::vector<int16_t> out;
    for (size_t at = 0; at < in.size(); at += piece) {
      r.process(std::span<const float>(in).subspan(at, std::min(piece, in.size() - at)), out);
    }
    r.flush(out);
    return out;
  };
  const std::vector<int16_t> whole = run(in.size());
  const std::vector<int16_t> pieces = run(333);
  ASSERT_EQ(whole.size(), pieces.size());
  for (size_t i = 0; i < whole.size(); ++i) EXPECT_NEAR(whole[i], pieces[i], 1) << i;
}

TEST(Resampler, FlushReadiesItForAFreshStream) {
  const std::vector<float> in = sine(48000, 1, 0.2, 440, 0.5);
  Resampler r(48000, 1);
  std::vector<int16_t> first, second;
  r.process(std::span<const float>(in), first);
  r.flush(first);
  r.process(std::span<const float>(in), second);
  r.flush(second);
  EXPECT_EQ(first, second);
}

TEST(Resampler, Int16InputIsResampledToo) {
  std::vector<int16_t> in;
  for (float v : sine(48000, 1, 0.5, 440, 0.5)) in.push_back(static_cast<int16_t>(v * 32767));
  Resampler r(48000, 1);
  std::vector<int16_t> out;
  r.process(std::span<const int16_t>(in), out);
  r.flush(out);
  EXPECT_NEAR(static_cast<double>(out.size()), 8000.0, 2.0);
  EXPECT_NEAR(test::frequency_hz(middle(out)), 440.0, 4.0);
}

TEST(Resampler, RejectsImpossibleInput) {
  EXPECT_THROW(Resampler(0, 1), SourceError);
  EXPECT_THROW(Resampler(-44100, 1), SourceError);
  EXPECT_THROW(Resampler(std::numeric_limits<double>::quiet_NaN(), 1), SourceError);
  EXPECT_THROW(Resampler(44100, 0), SourceError);
}

// A header that declares 1 Hz once asked for 16,000 output samples per input sample and wedged
// the daemon (issue 16, S2): rates and channel counts have bounds, and the error names them.
TEST(Resampler, RefusesRatesAndChannelCountsOutsideTheBounds) {
  for (const double rate : {1.0, 1000.0, 7999.0, 384001.0, 1e9}) {
    SCOPED_TRACE(rate);
    try {
      Resampler r(rate, 1);
      ADD_FAILURE() << "accepted";
    } catch (const SourceError& e) {
      EXPECT_NE(std::string(e.what()).find("8000 to 384000 Hz"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(Resampler(16000, kMaxInputChannels + 1), SourceError);
  EXPECT_NO_THROW(Resampler(kMinInputRate, kMaxInputChannels));
  EXPECT_NO_THROW(Resampler(kMaxInputRate, 1));
}

// Upsampling by the largest ratio allowed, in one big piece: the output is all there, and the
// scratch buffer stays one block (it was sized input x ratio, 64 MB for a small hostile file).
TEST(Resampler, LargestUpsamplingInOnePieceKeepsItsLength) {
  const std::vector<float> in = sine(kMinInputRate, 1, 30.0, 440, 0.5);
  Resampler r(kMinInputRate, 1);
  std::vector<int16_t> out;
  r.process(std::span<const float>(in), out);
  r.flush(out);
  EXPECT_NEAR(static_cast<double>(out.size()), 30.0 * 16000, 4.0);
  EXPECT_NEAR(test::frequency_hz(middle(out)), 440.0, 4.0);
}

}  // namespace
}  // namespace vs
