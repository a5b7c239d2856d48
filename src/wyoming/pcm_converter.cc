#include "wyoming/pcm_converter.h"

#include <bit>
#include <cstring>

#include "audio/audio_source.h"
#include "wyoming/frame_codec.h"

namespace vs {
namespace {

static_assert(std::endian::native == std::endian::little, "PCM bytes are copied as host int16");

int int_field(const nlohmann::json& data, const char* key, int lo, int hi) {
  const auto it = data.find(key);
  if (it == data.end() || !it->is_number_integer()) {
    throw WyomingProtocolError(std::string("audio data needs an integer \"") + key + "\"");
  }
  const auto v = it->get<int64_t>();
  if (v < lo || v > hi) {
    throw WyomingProtocolError(std::string("audio \"") + key + "\" " + std::to_string(v) + " is outside " +
                               std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<int>(v);
}

std::string as_bytes(const std::vector<int16_t>& samples) {
  return std::string(reinterpret_cast<const char*>(samples.data()), samples.size() * sizeof(int16_t));
}

}  // namespace

PcmFormat pcm_format_of(const nlohmann::json& data) {
  return PcmFormat{int_field(data, "rate", kMinInputRate, kMaxInputRate), int_field(data, "width", 1, 4),
                   int_field(data, "channels", 1, 16)};
}

PcmConverter::PcmConverter(PcmFormat f) : format_(f) {
  if (f == PcmFormat{}) return;  // already what the ring carries
  try {
    resampler_.emplace(f.rate, f.channels);
  } catch (const SourceError& e) {
    throw WyomingProtocolError(std::string("unsupported audio format: ") + e.what());
  }
}

float PcmConverter::sample_at(const uint8_t* p) const {
  switch (format_.width) {
    case 1: return (static_cast<float>(p[0]) - 128.0f) / 128.0f;
    case 2: return static_cast<float>(static_cast<int16_t>(p[0] | (p[1] << 8))) / 32768.0f;
    case 3: {
      const int32_t v = static_cast<int32_t>((uint32_t(p[0]) << 8) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 24));
      return static_cast<float>(v) / 2147483648.0f;
    }
    default: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return static_cast<float>(v) / 2147483648.0f;
    }
  }
}

std::string PcmConverter::convert(std::string_view bytes) {
  if (!resampler_) return std::string(bytes);  // StreamSource keeps an odd byte itself
  std::string joined;
  if (!carry_.empty()) {
    joined = carry_ + std::string(bytes);
    bytes = joined;
    carry_.clear();
  }
  const size_t w = static_cast<size_t>(format_.width);
  const size_t whole = bytes.size() / w * w;
  carry_.assign(bytes.substr(whole));
  out_.clear();
  if (whole == 0) return {};  // less than one sample so far: it waits in carry_
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (w == 2) {
    std::vector<int16_t> s(whole / 2);
    std::memcpy(s.data(), p, whole);
    resampler_->process(std::span<const int16_t>(s), out_);
  } else {
    floats_.resize(whole / w);
    for (size_t i = 0; i < floats_.size(); ++i) floats_[i] = sample_at(p + i * w);
    resampler_->process(std::span<const float>(floats_), out_);
  }
  return as_bytes(out_);
}

std::string PcmConverter::flush() {
  if (!resampler_) return {};
  out_.clear();
  resampler_->flush(out_);
  carry_.clear();
  return as_bytes(out_);
}

}  // namespace vs
