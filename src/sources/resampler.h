// Resampler turns audio of any rate and channel count into the 16 kHz mono int16 samples the
// audio path carries: it down-mixes by averaging the channels, then resamples with libsoxr.
//
// Streaming: feed interleaved pieces of any length with process() (an incomplete multi-channel
// frame is kept for the next piece), and call flush() at the end of the input to drain the
// filter's tail. Both append to `out`. Input already at 16 kHz mono is passed through without
// soxr, so it comes out bit-exact. Not tied to files: the microphone and stream inputs use it too.
//
//   Resampler r(44100, 2);
//   std::vector<int16_t> pcm;
//   r.process(block, pcm);   // as often as needed
//   r.flush(pcm);            // once, at the end of the input
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

struct soxr;  // libsoxr's handle; soxr.h stays out of this header

namespace vs {

// What any input may declare: below 8 kHz no speech model can use the audio, and a hostile
// header (a "1 Hz" file) would otherwise ask for 16,000 output samples per input sample.
inline constexpr int kMinInputRate = 8000;
inline constexpr int kMaxInputRate = 384000;
inline constexpr int kMaxInputChannels = 32;

// "rates from 8000 to 384000 Hz and 1 to 32 channels are accepted": for error messages.
std::string accepted_input_formats();

class Resampler {
 public:
  // Throws SourceError for a rate or channel count outside the bounds above, or a rate soxr
  // cannot convert. Each call costs time linear in its input and memory bounded by a block.
  Resampler(double input_rate, int channels);
  ~Resampler();
  Resampler(Resampler&&) noexcept;
  Resampler& operator=(Resampler&&) noexcept;

  // Float input is full scale at ±1.0 (libsndfile's and PortAudio's convention); int16 input is
  // the usual PCM. Output samples beyond full scale are clipped, never wrapped.
  void process(std::span<const float> interleaved, std::vector<int16_t>& out);
  void process(std::span<const int16_t> interleaved, std::vector<int16_t>& out);
  // Appends what the filter still holds and readies the Resampler for a new stream. A held
  // incomplete multi-channel frame is dropped.
  void flush(std::vector<int16_t>& out);

  bool passthrough() const noexcept { return !soxr_; }
  double input_rate() const noexcept { return input_rate_; }
  int channels() const noexcept { return channels_; }

 private:
  struct SoxrDeleter {
    void operator()(soxr* s) const noexcept;
  };

  std::span<const float> to_mono(std::span<const float> interleaved);
  void resample(std::span<const float> mono, std::vector<int16_t>& out);

  double input_rate_;
  int channels_;
  std::unique_ptr<soxr, SoxrDeleter> soxr_;  // null: 16 kHz mono, nothing to convert
  std::vector<float> carry_;                 // the start of a frame split between two pieces
  std::vector<float> mono_;                  // scratch, kept to avoid allocating per piece
  std::vector<float> widened_;
  std::vector<float> resampled_;
};

}  // namespace vs
