#include "sources/resampler.h"

#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "audio/audio_frame.h"
#include "audio/audio_source.h"

namespace vs {
namespace {

constexpr float kInt16Scale = 32768.0f;  // libsndfile's and PortAudio's float<->int16 scale

int16_t to_int16(float sample) {
  if (std::isnan(sample)) return 0;
  // Clamp before rounding so an overshoot (a resampled full-scale square, a hot recording)
  // saturates instead of wrapping around.
  const float scaled = std::clamp(sample * kInt16Scale, -32768.0f, 32767.0f);
  return static_cast<int16_t>(std::lrint(scaled));
}

// No reserve(): an exact reserve per small append defeats the vector's doubling and made
// resampling quadratic (issue 16, S2).
void append_int16(std::span<const float> samples, std::vector<int16_t>& out) {
  for (float s : samples) out.push_back(to_int16(s));
}

// Output samples per soxr call: the scratch buffer never grows past this, whatever the ratio.
constexpr size_t kOutputBlock = 8192;

soxr* create_soxr(double input_rate) {
  // SOXR_HQ (20-bit precision, linear phase, soxr's default recipe): its stop-band rejection
  // and precision already exceed what 16-bit output can carry, and its steep filter keeps the
  // 7-8 kHz band clean of aliases, where the cheaper presets alias audibly; VHQ (28-bit) only
  // costs CPU for bits int16 throws away. One thread: the audio path must not fan out.
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  const soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
  soxr_error_t error = nullptr;
  soxr* s = soxr_create(input_rate, kSampleRate, 1, &error, &io, &quality, &runtime);
  if (error != nullptr) {
    throw SourceError("cannot resample from " + std::to_string(input_rate) + " Hz: " + error);
  }
  return s;
}

}  // namespace

void Resampler::SoxrDeleter::operator()(soxr* s) const noexcept { soxr_delete(s); }

std::string accepted_input_formats() {
  return "rates from " + std::to_string(kMinInputRate) + " to " + std::to_string(kMaxInputRate) + " Hz and 1 to " +
         std::to_string(kMaxInputChannels) + " channels are accepted";
}

Resampler::Resampler(double input_rate, int channels)
    : input_rate_(input_rate), channels_(channels) {
  if (!(input_rate >= kMinInputRate && input_rate <= kMaxInputRate)) {
    throw SourceError("it declares a sample rate of " + std::to_string(std::lround(input_rate)) + " Hz; " +
                      accepted_input_formats());
  }
  if (channels < 1 || channels > kMaxInputChannels) {
    throw SourceError("it declares " + std::to_string(channels) + " channels; " + accepted_input_formats());
  }
  if (input_rate != kSampleRate) soxr_.reset(create_soxr(input_rate));
}

Resampler::~Resampler() = default;
Resampler::Resampler(Resampler&&) noexcept = default;
Resampler& Resampler::operator=(Resampler&&) noexcept = default;

void Resampler::process(std::span<const float> interleaved, std::vector<int16_t>& out) {
  const std::span<const float> mono = to_mono(interleaved);
  if (passthrough()) {
    append_int16(mono, out);
  } else {
    resample(mono, out);
  }
}

void Resampler::process(std::span<const int16_t> interleaved, std::vector<int16_t>& out) {
  if (passthrough() && channels_ == 1) {  // the common stream case: no conversion at all
    out.insert(out.end(), interleaved.begin(), interleaved.end());
    return;
  }
  widened_.resize(interleaved.size());
  std::transform(interleaved.begin(), interleaved.end(), widened_.begin(),
                 [](int16_t s) { return static_cast<float>(s) / kInt16Scale; });
  process(std::span<const float>(widened_), out);
}

void Resampler::flush(std::vector<int16_t>& out) {
  carry_.clear();
  if (passthrough()) return;
  // A null input tells soxr the stream has ended; it then emits the filter's tail in as many
  // calls as the output buffer needs.
  resampled_.resize(kOutputBlock);
  for (;;) {
    size_t produced = 0;
    soxr_process(soxr_.get(), nullptr, 0, nullptr, resampled_.data(), resampled_.size(),
                 &produced);
    if (produced == 0) break;
    append_int16(std::span<const float>(resampled_.data(), produced), out);
  }
  soxr_clear(soxr_.get());
}

std::span<const float> Resampler::to_mono(std::span<const float> interleaved) {
  if (channels_ == 1) return interleaved;
  const auto channels = static_cast<size_t>(channels_);
  const auto average = [channels](const float* frame) {
    float sum = 0.0f;
    for (size_t c = 0; c < channels; ++c) sum += frame[c];
    return sum / static_cast<float>(channels);
  };
  mono_.clear();
  if (!carry_.empty()) {  // complete the frame the previous piece ended inside
    const size_t take = std::min(channels - carry_.size(), interleaved.size());
    carry_.insert(carry_.end(), interleaved.begin(), interleaved.begin() + take);
    interleaved = interleaved.subspan(take);
    if (carry_.size() < channels) return mono_;
    mono_.push_back(average(carry_.data()));
    carry_.clear();
  }
  const size_t frames = interleaved.size() / channels;
  for (size_t f = 0; f < frames; ++f) mono_.push_back(average(&interleaved[f * channels]));
  carry_.assign(interleaved.begin() + frames * channels, interleaved.end());
  return mono_;
}

void Resampler::resample(std::span<const float> mono, std::vector<int16_t>& out) {
  if (mono.empty()) return;
  const float* in = mono.data();
  size_t left = mono.size();
  resampled_.resize(kOutputBlock);
  // soxr takes what fits the output block and holds back output when the block is full; call
  // again (with the rest of the input, or none but a non-null pointer so it is not taken as the
  // end) until it has taken everything and hands back less than it could.
  for (;;) {
    size_t consumed = 0;
    size_t produced = 0;
    const soxr_error_t error = soxr_process(soxr_.get(), in, left, &consumed, resampled_.data(),
                                            resampled_.size(), &produced);
    if (error != nullptr) throw SourceError(std::string("resampling failed: ") + error);
    append_int16(std::span<const float>(resampled_.data(), produced), out);
    in += consumed;
    left -= consumed;
    if (left == 0 && produced < resampled_.size()) return;
  }
}

}  // namespace vs
