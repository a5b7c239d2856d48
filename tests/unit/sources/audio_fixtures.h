// Test helpers for the sources: audio files written at test time by libsndfile itself, a
// temporary directory, a consumer that drains an AudioRing on its own thread, and the signal
// measurements (zero crossings, RMS) the resampling tests assert on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "audio/audio_ring.h"
#include "audio/ring_writer.h"
#include "audio/audio_source.h"

namespace vs::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::filesystem::path path(const std::string& name) const { return dir_ / name; }

 private:
  std::filesystem::path dir_;
};

struct SineSpec {
  int format = 0;  // SF_FORMAT_* major | subtype
  int rate = 44100;
  int channels = 2;
  double seconds = 1.0;
  double hz = 440.0;
  double amplitude = 0.5;  // of full scale
};

// False when this libsndfile cannot write `format` (sf_format_check).
bool can_write(int format, int rate, int channels);
// Writes the sine to every channel. Throws std::runtime_error if libsndfile refuses.
void write_sine(const std::filesystem::path& path, const SineSpec& spec);
// Writes 16-bit mono PCM samples as a WAV file at `rate`.
void write_wav16(const std::filesystem::path& path, std::span<const int16_t> samples, int rate);

// Rising zero crossings per second, over `samples` at 16 kHz.
double frequency_hz(std::span<const int16_t> samples);
double rms(std::span<const int16_t> samples);
double sine_rms(double amplitude);  // of a full-scale-relative sine, in int16 units

// Drains a ring on its own thread, optionally slowly, and records the source's end.
class RingDrain {
 public:
  explicit RingDrain(size_t capacity_frames,
                     std::chrono::microseconds per_frame = std::chrono::microseconds(0));
  ~RingDrain();

  RingWriter& writer() { return writer_; }
  AudioSource::OnEnd on_end();
  // Waits until the source ended and everything it pushed was drained.
  std::optional<SourceEnd> wait_end(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  bool ended() const { return ended_.load(); }
  std::vector<int16_t> samples();
  size_t frames();

 private:
  void run();

  AudioRing ring_;
  RingWriter writer_;
  std::chrono::microseconds per_frame_;
  std::mutex mutex_;
  std::vector<int16_t> samples_;
  std::optional<SourceEnd> end_;
  std::atomic<bool> ended_{false};
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

}  // namespace vs::test
