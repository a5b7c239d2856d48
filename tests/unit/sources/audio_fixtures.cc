#include "audio_fixtures.h"

#include <sndfile.h>
#include <unistd.h>

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "../support/wait_until.h"

namespace vs::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "vs-sources-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool can_write(int format, int rate, int channels) {
  SF_INFO info{};
  info.format = format;
  info.samplerate = rate;
  info.channels = channels;
  return sf_format_check(&info) != 0;
}

namespace {

void write_frames(const std::filesystem::path& path, SF_INFO info, std::span<const float> data) {
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (file == nullptr) throw std::runtime_error(std::string("write: ") + sf_strerror(nullptr));
  const sf_count_t frames = static_cast<sf_count_t>(data.size()) / info.channels;
  const sf_count_t written = sf_writef_float(file, data.data(), frames);
  sf_close(file);
  if (written != frames) throw std::runtime_error("short write to " + path.string());
}

}  // namespace

void write_sine(const std::filesystem::path& path, const SineSpec& spec) {
  const auto frames = static_cast<size_t>(spec.seconds * spec.rate);
  const auto channels = static_cast<size_t>(spec.channels);
  std::vector<float> data(frames * channels);
  for (size_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / spec.rate;
    const double phase = 2 * std::numbers::pi * spec.hz * t;
    const auto v = static_cast<float>(spec.amplitude * std::sin(phase));
    for (size_t c = 0; c < channels; ++c) data[i * channels + c] = v;
  }
  SF_INFO info{};
  info.format = spec.format;
  info.samplerate = spec.rate;
  info.channels = spec.channels;
  write_frames(path, info, data);
}

void write_wav16(const std::filesystem::path& path, std::span<const int16_t> samples, int rate) {
  SF_INFO info{};
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  info.samplerate = rate;
  info.channels = 1;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (file == nullptr) throw std::runtime_error(std::string("write: ") + sf_strerror(nullptr));
  sf_write_short(file, samples.data(), static_cast<sf_count_t>(samples.size()));
  sf_close(file);
}

double frequency_hz(std::span<const int16_t> samples) {
  size_t rising = 0;
  for (size_t i = 1; i < samples.size(); ++i) {
    if (samples[i - 1] < 0 && samples[i] >= 0) ++rising;
  }
  return static_cast<double>(rising) * 16000.0 / static_cast<double>(samples.size());
}

double rms(std::span<const int16_t> samples) {
  double sum = 0;
  for (int16_t s : samples) sum += static_cast<double>(s) * s;
  return std::sqrt(sum / static_cast<double>(samples.size()));
}

double sine_rms(double amplitude) { return amplitude * 32768.0 / std::numbers::sqrt2; }

RingDrain::RingDrain(size_t capacity_frames, std::chrono::microseconds per_frame)
    : ring_(capacity_frames), writer_(ring_), per_frame_(per_frame) {
  thread_ = std::thread([this] { run(); });
}

RingDrain::~RingDrain() {
  quit_ = true;
  thread_.join();
}

AudioSource::OnEnd RingDrain::on_end() {
  return [this](const SourceEnd& end) {
    std::lock_guard lock(mutex_);
    end_ = end;
    ended_ = true;
  };
}

std::optional<SourceEnd> RingDrain::wait_end(std::chrono::milliseconds timeout) {
  wait_until([this] { return ended_.load() && ring_.size() == 0; }, timeout);
  std::lock_guard lock(mutex_);
  return end_;
}

std::vector<int16_t> RingDrain::samples() {
  std::lock_guard lock(mutex_);
  return samples_;
}

size_t RingDrain::frames() {
  std::lock_guard lock(mutex_);
  return samples_.size() / kFrameSamples;
}

void RingDrain::run() {
  while (!quit_) {
    const AudioFrame* frame = ring_.front();
    if (frame == nullptr) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      samples_.insert(samples_.end(), frame->begin(), frame->end());
    }
    ring_.pop();
    if (per_frame_.count() > 0) std::this_thread::sleep_for(per_frame_);
  }
}

}  // namespace vs::test
