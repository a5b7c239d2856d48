// PcmConverter turns a Wyoming audio stream's PCM (any rate, width 1-4 bytes, 1-16 channels,
// interleaved little-endian; 8-bit is unsigned as in WAV) into the s16le 16 kHz mono bytes a
// StreamSource takes, with the same Resampler (libsoxr) the file source uses. 16 kHz mono s16
// passes through untouched. Chunks may split a sample or a frame anywhere.
//
//   PcmConverter conv(AudioFormat{44100, 2, 2});       // throws WyomingProtocolError if unsupported
//   source.feed(conv.convert(chunk.payload));
//   source.feed(conv.flush());                          // at audio-stop
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sources/resampler.h"
#include "wyoming/wyoming_event.h"

namespace vs {

struct PcmFormat {
  int rate = 16000;
  int width = 2;     // bytes per sample
  int channels = 1;
  bool operator==(const PcmFormat&) const = default;
};

// rate/width/channels of an audio-start or audio-chunk event's data. Throws WyomingProtocolError
// when one is missing, not an integer, or out of what the converter takes.
PcmFormat pcm_format_of(const nlohmann::json& data);

class PcmConverter {
 public:
  explicit PcmConverter(PcmFormat format);

  std::string convert(std::string_view bytes);
  // The resampler's tail (empty for a pass-through); call once at the end.
  std::string flush();
  const PcmFormat& format() const { return format_; }
  bool passthrough() const { return !resampler_; }

 private:
  float sample_at(const uint8_t* p) const;

  PcmFormat format_;
  std::optional<Resampler> resampler_;
  std::string carry_;  // the start of a sample split between two chunks
  std::vector<float> floats_;
  std::vector<int16_t> out_;
};

}  // namespace vs
