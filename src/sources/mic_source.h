// MicSource captures a PortAudio input device into a recording as 10 ms frames of 16 kHz mono.
//
// The device is chosen as in input_devices.h ("" = the default input). When the device takes
// 16 kHz mono int16 directly, the PortAudio callback only cuts the samples into frames and
// push()es them: no lock, allocation or syscall. Otherwise the device runs at its default rate
// and the callback only copies the raw samples into a preallocated lock-free queue; the
// source's own thread resamples them (soxr allocates, so never in the callback) and pushes the
// frames. A microphone cannot wait: a full ring is an overflow, counted by the RingWriter.
//
// The source's thread also watches the stream: a stream that stops or goes silent for 2 s (a
// device unplugged), or raw audio the converter could not keep up with, ends the source with
// on_end({Error, sentence}).
//
//   auto mic = MicSource::open("usb");   // throws SourceError naming the device and the choices
//   mic->start(writer, on_end);
//   mic->stop();
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "audio/audio_source.h"
#include "sources/input_devices.h"

namespace vs {

class MicSource final : public AudioSource {
 public:
  // Chooses the device, picks a format it supports and opens the stream (not yet running).
  static std::unique_ptr<MicSource> open(const std::string& device);
  ~MicSource() override;

  // Starts the stream and the watcher thread. Call once. Throws SourceError if the device
  // refuses to start.
  void start(RingWriter& out, OnEnd on_end) override;
  // Stops the watcher and aborts the stream: no frame is pushed once it returns. Idempotent.
  void stop() noexcept override;
  std::string kind() const override { return "mic"; }

  const InputDevice& device() const;
  double capture_rate() const;
  int capture_channels() const;
  bool converting() const;  // false: the device delivers 16 kHz mono itself
  // Input overflows the driver reported (audio it dropped before PortAudio saw it).
  uint64_t driver_overflows() const;

 private:
  struct Impl;
  explicit MicSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs
