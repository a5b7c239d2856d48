#include "sources/mic_source.h"

#include <portaudio.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <chrono>
#include <condition_variable>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sources/frame_chunker.h"
#include "sources/portaudio_session.h"
#include "sources/resampler.h"

namespace vs {
namespace {

using namespace std::chrono_literals;

constexpr auto kWatchInterval = 10ms;   // how often the thread converts and checks the stream
constexpr auto kSilenceLimit = 2s;      // no callback for this long: the device is gone
constexpr double kRawQueueSeconds = 1;  // raw audio the converter may fall behind by

struct StreamCloser {
  void operator()(PaStream* stream) const noexcept { Pa_CloseStream(stream); }
};
using Stream = std::unique_ptr<PaStream, StreamCloser>;
using RawQueue = boost::lockfree::spsc_queue<float>;

struct CaptureFormat {
  double rate = kSampleRate;
  int channels = 1;
  PaSampleFormat sample_format = paInt16;
  bool converting() const { return sample_format != paInt16; }
};

std::string describe(const InputDevice& d) {
  return "input device " + std::to_string(d.index) + " '" + d.name + "'";
}

std::string pa_error_text(PaError error) {
  std::string text = Pa_GetErrorText(error);
  if (error == paUnanticipatedHostError) {
    const PaHostErrorInfo* host = Pa_GetLastHostErrorInfo();
    if (host != nullptr && host->errorText != nullptr) text += std::string(": ") + host->errorText;
  }
  return text;
}

PaStreamParameters input_parameters(const InputDevice& d, int channels, PaSampleFormat format) {
  PaStreamParameters p{};
  p.device = d.index;
  p.channelCount = channels;
  p.sampleFormat = format;
  // The device's high latency: a speech recogniser does not notice 100 ms more, but it does
  // notice the dropouts a short buffer risks on a busy machine.
  const PaDeviceInfo* info = Pa_GetDeviceInfo(d.index);
  p.suggestedLatency = info != nullptr ? info->defaultHighInputLatency : 0.1;
  p.hostApiSpecificStreamInfo = nullptr;
  return p;
}

bool supports(const InputDevice& d, int channels, PaSampleFormat format, double rate) {
  const PaStreamParameters p = input_parameters(d, channels, format);
  return Pa_IsFormatSupported(&p, nullptr, rate) == paFormatIsSupported;
}

// 16 kHz mono int16 needs no conversion at all; otherwise the device's own rate, as few
// channels as it accepts, in float (what the resampler takes).
CaptureFormat choose_format(const InputDevice& d) {
  if (supports(d, 1, paInt16, kSampleRate)) return {};
  for (int channels : {1, 2, d.max_input_channels}) {
    if (channels <= d.max_input_channels &&
        supports(d, channels, paFloat32, d.default_sample_rate)) {
      return {d.default_sample_rate, channels, paFloat32};
    }
  }
  throw SourceError("cannot open " + describe(d) + ": it accepts neither 16 kHz mono nor its " +
                    "default rate of " + std::to_string(d.default_sample_rate) + " Hz");
}

}  // namespace

struct MicSource::Impl {
  static int on_audio(const void* input, void* output, unsigned long frames,
                      const PaStreamCallbackTimeInfo* time, PaStreamCallbackFlags flags,
                      void* self) noexcept;
  void open_stream(const std::vector<InputDevice>& devices);
  void run() noexcept;
  std::optional<std::string> watch();
  std::optional<std::string> convert_pending(std::vector<float>& raw_block,
                                             std::vector<int16_t>& pcm);
  bool wait_for_stop(std::chrono::milliseconds timeout);
  bool stop_requested();

  PortAudioSession session;  // first member: PortAudio outlives the stream
  InputDevice device;
  CaptureFormat format;
  Stream stream;

  // Shared with the callback. `chunker` belongs to whichever side cuts frames: the callback
  // when capturing 16 kHz mono, the thread when converting.
  RingWriter* out = nullptr;
  FrameChunker chunker;
  FrameChunker::Emit emit;  // built once: constructing a std::function in the callback could
                            // allocate
  std::unique_ptr<RawQueue> raw;  // converting only: preallocated, wait-free push
  std::atomic<uint64_t> raw_dropped{0};
  std::atomic<uint64_t> callbacks{0};
  std::atomic<uint64_t> overflows{0};
  std::atomic<bool> ended{false};  // after an error end the callback aborts the stream

  // The source's thread.
  std::optional<Resampler> resampler;
  OnEnd on_end;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
};

std::unique_ptr<MicSource> MicSource::open(const std::string& device) {
  auto impl = std::make_unique<Impl>();
  const std::vector<InputDevice> devices = list_input_devices();
  impl->device = select_input_device(devices, device);
  impl->format = choose_format(impl->device);
  if (impl->format.converting()) {
    const auto capacity =
        static_cast<size_t>(impl->format.rate * impl->format.channels * kRawQueueSeconds);
    impl->raw = std::make_unique<RawQueue>(capacity);
    impl->resampler.emplace(impl->format.rate, impl->format.channels);
  }
  impl->open_stream(devices);
  return std::unique_ptr<MicSource>(new MicSource(std::move(impl)));
}

MicSource::MicSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MicSource::~MicSource() { stop(); }

void MicSource::start(RingWriter& out, OnEnd on_end) {
  Impl& s = *impl_;
  if (s.thread.joinable() || s.stop_requested()) {
    throw std::logic_error("MicSource::start called twice or after stop");
  }
  s.out = &out;
  s.emit = [&s](const AudioFrame& frame) {
    s.out->push(frame);  // a refusal is an overflow: counted by the writer, acted on by the pump
    return true;
  };
  s.on_end = std::move(on_end);
  const PaError error = Pa_StartStream(s.stream.get());
  if (error != paNoError) {
    throw SourceError("cannot start " + describe(s.device) + ": " + pa_error_text(error));
  }
  s.thread = std::thread([&s] { s.run(); });
}

void MicSource::stop() noexcept {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  s.wake.notify_all();
  // on_end may call stop() from the thread itself; the destructor joins it later.
  if (s.thread.joinable() && s.thread.get_id() != std::this_thread::get_id()) s.thread.join();
  // Abort rather than stop: there is no output to play out, and it returns at once. Once it
  // has returned the callback no longer runs, so nothing is pushed after stop().
  if (s.stream && Pa_IsStreamStopped(s.stream.get()) == 0) Pa_AbortStream(s.stream.get());
}

const InputDevice& MicSource::device() const { return impl_->device; }
double MicSource::capture_rate() const { return impl_->format.rate; }
int MicSource::capture_channels() const { return impl_->format.channels; }
bool MicSource::converting() const { return impl_->format.converting(); }
uint64_t MicSource::driver_overflows() const { return impl_->overflows.load(); }

void MicSource::Impl::open_stream(const std::vector<InputDevice>& devices) {
  const PaStreamParameters p = input_parameters(device, format.channels, format.sample_format);
  PaStream* opened = nullptr;
  const PaError error = Pa_OpenStream(&opened, &p, nullptr, format.rate,
                                      paFramesPerBufferUnspecified, paNoFlag, &on_audio, this);
  if (error != paNoError) {
    throw SourceError("cannot open " + describe(device) + ": " + pa_error_text(error) +
                      "; input devices: " + summarize_input_devices(devices));
  }
  stream.reset(opened);
}

// PortAudio's real-time callback: copies and nothing else. No lock, allocation, syscall or log.
int MicSource::Impl::on_audio(const void* input, void*, unsigned long frames,
                              const PaStreamCallbackTimeInfo*, PaStreamCallbackFlags flags,
                              void* self) noexcept {
  Impl& s = *static_cast<Impl*>(self);
  if (s.ended.load(std::memory_order_relaxed)) return paAbort;
  s.callbacks.fetch_add(1, std::memory_order_relaxed);
  if ((flags & paInputOverflow) != 0) s.overflows.fetch_add(1, std::memory_order_relaxed);
  if (input == nullptr) return paContinue;
  if (!s.format.converting()) {
    s.chunker.feed(std::span(static_cast<const int16_t*>(input), frames), s.emit);
    return paContinue;
  }
  const size_t count = frames * static_cast<size_t>(s.format.channels);
  const size_t pushed = s.raw->push(static_cast<const float*>(input), count);
  if (pushed < count) s.raw_dropped.fetch_add(count - pushed, std::memory_order_relaxed);
  return paContinue;
}

void MicSource::Impl::run() noexcept {
  std::optional<std::string> error;
  try {
    error = watch();
  } catch (const std::exception& e) {
    error = describe(device) + ": " + e.what();
  }
  if (!error) return;  // stopped
  ended.store(true, std::memory_order_relaxed);
  if (on_end && !stop_requested()) on_end({SourceEnd::Kind::Error, *error});
}

// Returns why the capture failed, or nothing once stop() was called.
std::optional<std::string> MicSource::Impl::watch() {
  using clock = std::chrono::steady_clock;
  std::vector<float> raw_block;
  std::vector<int16_t> pcm;
  uint64_t seen_callbacks = callbacks.load(std::memory_order_relaxed);
  uint64_t seen_overflows = 0;
  auto last_audio = clock::now();
  while (!wait_for_stop(kWatchInterval)) {
    if (format.converting()) {
      if (auto error = convert_pending(raw_block, pcm)) return error;
    }
    const auto now = clock::now();
    if (const uint64_t n = callbacks.load(std::memory_order_relaxed); n != seen_callbacks) {
      seen_callbacks = n;
      last_audio = now;
    } else if (now - last_audio > kSilenceLimit) {
      return describe(device) + " delivered no audio for 2 s; was it unplugged?";
    }
    if (Pa_IsStreamActive(stream.get()) != 1) {
      return "the stream of " + describe(device) + " stopped; was the device unplugged?";
    }
    if (const uint64_t n = overflows.load(std::memory_order_relaxed); n != seen_overflows) {
      spdlog::warn("{}: the driver dropped input audio ({} times so far)", describe(device), n);
      seen_overflows = n;
    }
  }
  return std::nullopt;
}

std::optional<std::string> MicSource::Impl::convert_pending(std::vector<float>& raw_block,
                                                            std::vector<int16_t>& pcm) {
  if (raw_dropped.load(std::memory_order_relaxed) != 0) {
    return "audio from " + describe(device) + " was lost: converting it fell behind";
  }
  raw_block.resize(raw->read_available());
  raw_block.resize(raw->pop(raw_block.data(), raw_block.size()));
  pcm.clear();
  resampler->process(std::span<const float>(raw_block), pcm);
  chunker.feed(pcm, emit);
  return std::nullopt;
}

bool MicSource::Impl::wait_for_stop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex);
  return wake.wait_for(lock, timeout, [this] { return stopping; });
}

bool MicSource::Impl::stop_requested() {
  std::lock_guard lock(mutex);
  return stopping;
}

}  // namespace vs
