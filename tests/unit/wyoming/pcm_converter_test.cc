// Wyoming audio of other formats becomes 16 kHz mono s16 through the file source's Resampler.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numbers>

#include "wyoming/frame_codec.h"
#include "wyoming/pcm_converter.h"

namespace vs {
namespace {

std::vector<int16_t> samples_of(const std::string& bytes) {
  std::vector<int16_t> s(bytes.size() / 2);
  std::memcpy(s.data(), bytes.data(), s.size() * 2);
  return s;
}

TEST(PcmConverter, SixteenKMonoPassesThroughBitExact) {
  PcmConverter c(PcmFormat{16000, 2, 1});
  EXPECT_TRUE(c.passthrough());
  EXPECT_EQ(c.convert("\x01\x02\x03"), "\x01\x02\x03");
}

TEST(PcmConverter, StereoFortyEightKIsResampledAndDownMixed) {
  PcmConverter c(PcmFormat{48000, 2, 2});
  // 1 s of a 440 Hz tone, left and right equal, split into odd-sized pieces.
  std::string in;
  for (int i = 0; i < 48000; ++i) {
    const auto v = static_cast<int16_t>(10000 * std::sin(2 * std::numbers::pi * 440 * i / 48000.0));
    for (int ch = 0; ch < 2; ++ch) in.append(reinterpret_cast<const char*>(&v), 2);
  }
  std::string out;
  for (size_t i = 0; i < in.size(); i += 1001) out += c.convert(std::string_view(in).substr(i, 1001));
  out += c.flush();
  const auto s = samples_of(out);
  EXPECT_NEAR(static_cast<double>(s.size()), 16000.0, 50.0);
  int16_t peak = 0;
  for (auto v : s) peak = std::max<int16_t>(peak, static_cast<int16_t>(std::abs(v)));
  EXPECT_NEAR(peak, 10000, 600);  // the tone survives, not halved or wrapped
}

TEST(PcmConverter, ThirtyTwoBitSamplesAreScaled) {
  PcmConverter c(PcmFormat{16000, 4, 1});
  std::string in;
  for (int i = 0; i < 1600; ++i) {
    const int32_t v = 1 << 30;  // half scale
    in.append(reinterpret_cast<const char*>(&v), 4);
  }
  std::string out = c.convert(in) + c.flush();
  const auto s = samples_of(out);
  ASSERT_GT(s.size(), 1000u);
  EXPECT_NEAR(s[s.size() / 2], 16384, 200);
}

TEST(PcmFormatOf, RefusesMissingAndAbsurdFields) {
  EXPECT_EQ(pcm_format_of({{"rate", 22050}, {"width", 2}, {"channels", 2}}), (PcmFormat{22050, 2, 2}));
  EXPECT_THROW(pcm_format_of({{"rate", 16000}, {"width", 2}}), WyomingProtocolError);
  EXPECT_THROW(pcm_format_of({{"rate", 16000}, {"width", 5}, {"channels", 1}}), WyomingProtocolError);
  EXPECT_THROW(pcm_format_of({{"rate", "16000"}, {"width", 2}, {"channels", 1}}), WyomingProtocolError);
  EXPECT_THROW(pcm_format_of({{"rate", 0}, {"width", 2}, {"channels", 1}}), WyomingProtocolError);
}

}  // namespace
}  // namespace vs
