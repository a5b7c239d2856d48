// AudioFrame is the unit the whole audio path moves: 10 ms of 16 kHz signed 16-bit mono PCM.
//
// Every source cuts its audio into these (the last frame of a file is padded with silence), so
// the ring counts whole frames, the pump numbers them, and a frame index is also a time:
// frame n starts at n * 10 ms of the recording.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace vs {

constexpr int kSampleRate = 16000;
constexpr size_t kFrameSamples = 160;  // 10 ms
constexpr int kFrameMs = 10;
constexpr size_t kFrameBytes = kFrameSamples * sizeof(int16_t);

using AudioFrame = std::array<int16_t, kFrameSamples>;

constexpr size_t frames_for_seconds(double seconds) {
  return static_cast<size_t>(seconds * 1000.0 / kFrameMs + 0.5);
}

}  // namespace vs
