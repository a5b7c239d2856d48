#include "sources/file_source.h"

#include <sndfile.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sources/frame_chunker.h"
#include "sources/resampler.h"
#include "sources/stdin_relay.h"

namespace vs {
namespace {

struct SndFileCloser {
  void operator()(SNDFILE* file) const noexcept { sf_close(file); }
};
using SndFile = std::unique_ptr<SNDFILE, SndFileCloser>;

// Input frames per read. libsndfile waits for a whole block on a pipe, so this is also the
// latency of a live stream on stdin: 1024 is 64 ms at 16 kHz.
constexpr sf_count_t kBlockFrames = 1024;

std::string describe(const std::string& path) {
  return path == "-" ? std::string("standard input") : "audio file '" + path + "'";
}

// An audio file held in memory, read by libsndfile through SF_VIRTUAL_IO (read-only).
struct MemoryFile {
  std::string bytes;
  sf_count_t pos = 0;

  static MemoryFile& of(void* user) { return *static_cast<MemoryFile*>(user); }
  static sf_count_t length(void* user) { return static_cast<sf_count_t>(of(user).bytes.size()); }
  static sf_count_t seek(sf_count_t offset, int whence, void* user) {
    MemoryFile& m = of(user);
    const sf_count_t base = whence == SEEK_CUR ? m.pos : whence == SEEK_END ? length(user) : 0;
    m.pos = std::clamp<sf_count_t>(base + offset, 0, length(user));
    return m.pos;
  }
  static sf_count_t read(void* out, sf_count_t count, void* user) {
    MemoryFile& m = of(user);
    const sf_count_t n = std::clamp<sf_count_t>(length(user) - m.pos, 0, count);
    std::memcpy(out, m.bytes.data() + m.pos, static_cast<size_t>(n));
    m.pos += n;
    return n;
  }
  static sf_count_t write(const void*, sf_count_t, void*) { return 0; }
  static sf_count_t tell(void* user) { return of(user).pos; }
};

// libsndfile's sentences carry a "System error : " prefix and a final period; a SourceError
// reads better as "cannot open audio file 'x.wav': No such file or directory".
std::string tidy(std::string message) {
  constexpr std::string_view kPrefix = "System error : ";
  if (message.starts_with(kPrefix)) message.erase(0, kPrefix.size());
  while (!message.empty() && (message.back() == '.' || message.back() == '\n')) {
    message.pop_back();
  }
  return message;
}

SndFile check_opened(SNDFILE* raw, const std::string& what, bool length_known, const SF_INFO& info) {
  if (raw == nullptr) {
    throw SourceError("cannot open " + what + ": " + tidy(sf_strerror(nullptr)));
  }
  SndFile file(raw);
  if (info.samplerate <= 0 || info.channels <= 0) {
    throw SourceError("cannot open " + what + ": it declares " + std::to_string(info.channels) + " channels at " +
                      std::to_string(info.samplerate) + " Hz");
  }
  if (length_known && info.frames <= 0) {
    throw SourceError("cannot use " + what + ": it holds no audio (0 frames)");
  }
  return file;
}

SndFile open_sndfile(const std::string& path, const StdinRelay* relay, SF_INFO& info) {
  info = SF_INFO{};
  std::error_code ignored;
  if (relay == nullptr && std::filesystem::is_directory(path, ignored)) {
    throw SourceError("cannot open " + describe(path) + ": it is a directory");
  }
  SNDFILE* raw = relay != nullptr ? sf_open_fd(relay->fd(), SFM_READ, &info, SF_FALSE)
                                  : sf_open(path.c_str(), SFM_READ, &info);
  // A pipe's length is unknown (or whatever a streaming writer put in the header), so only a
  // real file can be judged empty up front.
  return check_opened(raw, describe(path), relay == nullptr, info);
}

}  // namespace

struct FileSource::Impl {
  Impl(std::string path_, bool realtime_, std::unique_ptr<StdinRelay> relay_, SndFile file_,
       const SF_INFO& info_)
      : path(std::move(path_)),
        realtime(realtime_),
        relay(std::move(relay_)),
        file(std::move(file_)),
        info(info_),
        resampler(info.samplerate, info.channels) {}

  void run() noexcept;
  bool pump();  // false when stopped (or the recording closed) before the end
  bool push(const AudioFrame& frame);
  bool wait_for_slot();
  bool stop_requested();

  const std::string path;
  const bool realtime;
  std::unique_ptr<StdinRelay> relay;  // only for "-"; declared before `file`, closed after it
  std::unique_ptr<MemoryFile> memory;  // only for open_memory; likewise outlives `file`
  SndFile file;
  const SF_INFO info;
  Resampler resampler;
  FrameChunker chunker;

  RingWriter* out = nullptr;
  OnEnd on_end;
  std::thread thread;
  std::atomic<bool> running{false};

  std::mutex mutex;
  std::condition_variable wake;  // cuts the pacing wait short on stop()
  bool stopping = false;

  std::chrono::steady_clock::time_point schedule_start;
  uint64_t frames_sent = 0;
};

std::unique_ptr<FileSource> FileSource::open(const std::string& path, bool realtime) {
  auto relay = path == "-" ? std::make_unique<StdinRelay>() : nullptr;
  SF_INFO info;
  SndFile file = open_sndfile(path, relay.get(), info);
  try {
    auto impl =
        std::make_unique<Impl>(path, realtime, std::move(relay), std::move(file), info);
    return std::unique_ptr<FileSource>(new FileSource(std::move(impl)));
  } catch (const SourceError& e) {  // the resampler refused the file's rate
    throw SourceError("cannot use " + describe(path) + ": " + e.what());
  }
}

std::unique_ptr<FileSource> FileSource::open_memory(std::string bytes, const std::string& name, bool realtime) {
  auto memory = std::make_unique<MemoryFile>();
  memory->bytes = std::move(bytes);
  static SF_VIRTUAL_IO io = {&MemoryFile::length, &MemoryFile::seek, &MemoryFile::read, &MemoryFile::write,
                             &MemoryFile::tell};
  const std::string what = describe(name);
  SF_INFO info{};
  SndFile file = check_opened(sf_open_virtual(&io, SFM_READ, &info, memory.get()), what, true, info);
  try {
    auto impl = std::make_unique<Impl>(name, realtime, nullptr, std::move(file), info);
    impl->memory = std::move(memory);
    return std::unique_ptr<FileSource>(new FileSource(std::move(impl)));
  } catch (const SourceError& e) {
    throw SourceError("cannot use " + what + ": " + e.what());
  }
}

FileSource::FileSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FileSource::~FileSource() { stop(); }

void FileSource::start(RingWriter& out, OnEnd on_end) {
  Impl& s = *impl_;
  if (s.thread.joinable() || s.stop_requested()) {
    throw std::logic_error("FileSource::start called twice or after stop");
  }
  s.out = &out;
  s.on_end = std::move(on_end);
  s.running.store(true, std::memory_order_release);
  s.thread = std::thread([&s] { s.run(); });
}

void FileSource::stop() noexcept {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  s.wake.notify_all();
  // Only while the thread runs: after that the writer may already be gone.
  if (s.running.load(std::memory_order_acquire)) s.out->close();  // wakes it from push_wait
  if (s.relay) s.relay->stop();  // releases a read blocked on standard input
  // on_end may call stop() from the thread itself; the destructor joins it later.
  if (s.thread.get_id() == std::this_thread::get_id()) return;
  if (s.thread.joinable()) s.thread.join();
  // Nothing reads the file any more: close it now, not when the recording object goes (the
  // recorder keeps the last one for its figures, and an open file pins a deleted one's space).
  s.file.reset();
  s.memory.reset();
}

bool FileSource::waits_on_full_ring() const { return !impl_->realtime; }

double FileSource::duration_seconds() const {
  const SF_INFO& info = impl_->info;
  if (impl_->relay || info.frames <= 0) return 0.0;
  return static_cast<double>(info.frames) / info.samplerate;
}

double FileSource::input_rate() const { return impl_->info.samplerate; }
int FileSource::input_channels() const { return impl_->info.channels; }

void FileSource::Impl::run() noexcept {
  SourceEnd end;
  try {
    if (!pump()) {
      running.store(false, std::memory_order_release);
      return;
    }
  } catch (const std::exception& e) {
    end = {SourceEnd::Kind::Error, e.what()};
  }
  running.store(false, std::memory_order_release);
  if (on_end && !stop_requested()) on_end(end);
}

bool FileSource::Impl::pump() {
  const auto channels = static_cast<size_t>(info.channels);
  std::vector<float> block(static_cast<size_t>(kBlockFrames) * channels);
  std::vector<int16_t> pcm;
  const FrameChunker::Emit emit = [this](const AudioFrame& frame) { return push(frame); };
  for (;;) {
    if (stop_requested()) return false;
    const sf_count_t got = sf_readf_float(file.get(), block.data(), kBlockFrames);
    if (got <= 0) break;
    pcm.clear();
    resampler.process(std::span<const float>(block.data(), static_cast<size_t>(got) * channels),
                      pcm);
    if (!chunker.feed(pcm, emit)) return false;
  }
  if (stop_requested()) return false;  // a stopped relay looks like the end of the input
  if (sf_error(file.get()) != SF_ERR_NO_ERROR) {
    throw SourceError("reading " + describe(path) + " failed: " + tidy(sf_strerror(file.get())));
  }
  if (relay && relay->error() != 0) {
    throw SourceError("reading standard input failed: " +
                      std::string(std::strerror(relay->error())));
  }
  pcm.clear();
  resampler.flush(pcm);
  return chunker.feed(pcm, emit) && chunker.finish(emit);
}

bool FileSource::Impl::push(const AudioFrame& frame) {
  if (!realtime) return out->push_wait(frame);  // false only once the recording is closed
  if (!wait_for_slot()) return false;
  out->push(frame);  // a refusal is an overflow: the writer counts it and the pump acts on it
  return !out->closed();
}

// Frame n is due at start + n * 10 ms on the steady clock: an absolute schedule, so a late
// wake-up is caught up on the next frame instead of adding up as drift. The clock starts at the
// first frame, so opening and decoding the first block are not counted as playing time.
bool FileSource::Impl::wait_for_slot() {
  using clock = std::chrono::steady_clock;
  if (frames_sent == 0) schedule_start = clock::now();
  const auto due = schedule_start + std::chrono::milliseconds(kFrameMs) * frames_sent;
  ++frames_sent;
  std::unique_lock lock(mutex);
  return !wake.wait_until(lock, due, [this] { return stopping; });
}

bool FileSource::Impl::stop_requested() {
  std::lock_guard lock(mutex);
  return stopping;
}

}  // namespace vs
