#include "sources/file_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sndfile.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "../support/wait_until.h"
#include "audio_fixtures.h"

namespace vs {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::RingDrain;
using test::SineSpec;

std::vector<int16_t> ramp_pcm(size_t n) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int16_t>((i * 7919) % 65536 - 32768);
  return v;
}

std::vector<int16_t> padded_to_frames(std::vector<int16_t> v) {
  v.resize((v.size() + kFrameSamples - 1) / kFrameSamples * kFrameSamples, 0);
  return v;
}

std::span<const int16_t> middle(const std::vector<int16_t>& v) {
  return std::span(v).subspan(v.size() / 10, v.size() * 8 / 10);
}

class FileSourceTest : public ::testing::Test {
 protected:
  test::TempDir dir;

  std::string sine_file(const std::string& name, const SineSpec& spec) {
    const std::string path = dir.path(name).string();
    test::write_sine(path, spec);
    return path;
  }
};

// --- formats ------------------------------------------------------------------------------

struct FormatCase {
  const char* name;
  int format;
  const char* extension;
};

class FileSourceFormats : public FileSourceTest,
                          public ::testing::WithParamInterface<FormatCase> {};

TEST_P(FileSourceFormats, StereoSineAt44kComesOutAs16kMonoWithPitchAndLevelKept) {
  const FormatCase& c = GetParam();
  if (!test::can_write(c.format, 44100, 2)) {
    GTEST_SKIP() << "this libsndfile (" << sf_version_string() << ") cannot write " << c.name;
  }
  const std::string path =
      sine_file(std::string("sine.") + c.extension, {.format = c.format, .seconds = 2.0});
  auto source = FileSource::open(path, /*realtime=*/false);
  EXPECT_EQ(source->kind(), "file");
  EXPECT_NEAR(source->duration_seconds(), 2.0, 0.1);
  RingDrain drain(500);
  source->start(drain.writer(), drain.on_end());
  const auto end = drain.wait_end();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, SourceEnd::Kind::EndOfInput) << end->message;

  const std::vector<int16_t> out = drain.samples();
  EXPECT_NEAR(static_cast<double>(drain.frames()), 200.0, 1.0);
  EXPECT_NEAR(test::frequency_hz(middle(out)), 440.0, 2.0);
  EXPECT_NEAR(test::rms(middle(out)), test::sine_rms(0.5), test::sine_rms(0.5) * 0.05);
  EXPECT_EQ(drain.writer().rejected(), 0u);
}

// MP3 too comes out at the exact length: libsndfile writes LAME's delay/padding tag and mpg123
// trims by it (gapless), so no extra tolerance for encoder delay is needed.
INSTANTIATE_TEST_SUITE_P(
    Formats, FileSourceFormats,
    ::testing::Values(FormatCase{"WAV", SF_FORMAT_WAV | SF_FORMAT_PCM_16, "wav"},
                      FormatCase{"FLAC", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, "flac"},
                      FormatCase{"Ogg Vorbis", SF_FORMAT_OGG | SF_FORMAT_VORBIS, "ogg"},
                      FormatCase{"MP3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, "mp3"}),
    [](const auto& info) { return std::string(info.param.extension); });

// --- delivery -----------------------------------------------------------------------------

TEST_F(FileSourceTest, SixteenKilohertzMonoIsBitExact) {
  const std::vector<int16_t> pcm = ramp_pcm(16000 + 37);  // not a whole number of frames
  const std::string path = dir.path("exact.wav").string();
  test::write_wav16(path, pcm, 16000);
  auto source = FileSource::open(path, false);
  RingDrain drain(500);
  source->start(drain.writer(), drain.on_end());
  ASSERT_TRUE(drain.wait_end().has_value());
  EXPECT_EQ(drain.samples(), padded_to_frames(pcm));
}

TEST_F(FileSourceTest, NotRealTimeWaitsOnAFullRingAndLosesNothing) {
  const std::vector<int16_t> pcm = ramp_pcm(16000);  // 100 frames through a 10-frame ring
  const std::string path = dir.path("slow.wav").string();
  test::write_wav16(path, pcm, 16000);
  auto source = FileSource::open(path, false);
  RingDrain drain(10, 2ms);
  source->start(drain.writer(), drain.on_end());
  ASSERT_TRUE(drain.wait_end().has_value());
  EXPECT_EQ(drain.samples(), pcm);
  EXPECT_EQ(drain.writer().captured(), 100u);
  EXPECT_EQ(drain.writer().rejected(), 0u);
}

TEST_F(FileSourceTest, RealTimeTakesAboutTheFilesDuration) {
  const std::string path =
      sine_file("one-second.wav", {.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16});
  auto source = FileSource::open(path, /*realtime=*/true);
  RingDrain drain(500);
  const auto started = Clock::now();
  source->start(drain.writer(), drain.on_end());
  ASSERT_TRUE(drain.wait_end().has_value());
  const auto took = Clock::now() - started;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_NEAR(static_cast<double>(drain.frames()), 100.0, 1.0);
}

TEST_F(FileSourceTest, RealTimeIntoAFullRingOverflowsInsteadOfWaiting) {
  const std::vector<int16_t> pcm = ramp_pcm(3200);  // 20 frames
  const std::string path = dir.path("burst.wav").string();
  test::write_wav16(path, pcm, 16000);
  auto source = FileSource::open(path, true);
  AudioRing ring(5);  // nobody drains it
  RingWriter writer(ring);
  std::atomic<bool> ended{false};
  source->start(writer, [&](const SourceEnd&) { ended = true; });
  ASSERT_TRUE(test::wait_until([&] { return ended.load(); }));
  EXPECT_EQ(writer.captured(), 5u);
  EXPECT_EQ(writer.rejected(), 15u);
}

TEST_F(FileSourceTest, StopWhileWaitingOnAFullRingReturnsPromptlyWithoutOnEnd) {
  const std::string path = sine_file("long.wav", {.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                                                  .seconds = 10.0});
  auto source = FileSource::open(path, false);
  AudioRing ring(10);  // fills at once, nobody drains it
  RingWriter writer(ring);
  bool ended = false;
  source->start(writer, [&](const SourceEnd&) { ended = true; });
  ASSERT_TRUE(test::wait_until([&] { return ring.size() == 10; }));
  std::this_thread::sleep_for(20ms);  // now surely inside push_wait
  const auto asked = Clock::now();
  source->stop();
  EXPECT_LT(Clock::now() - asked, 50ms);  // ~1 ms unloaded; slack for a busy CI
  EXPECT_FALSE(ended);
  source->stop();  // idempotent
}

TEST_F(FileSourceTest, StopWhilePacedReturnsPromptly) {
  const std::string path = sine_file("paced.wav", {.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                                                   .seconds = 10.0});
  auto source = FileSource::open(path, true);
  RingDrain drain(500);
  source->start(drain.writer(), drain.on_end());
  ASSERT_TRUE(test::wait_until([&] { return drain.frames() >= 5; }));
  const auto asked = Clock::now();
  source->stop();
  EXPECT_LT(Clock::now() - asked, 50ms);  // ~1 ms unloaded; slack for a busy CI
  EXPECT_FALSE(drain.ended());
  EXPECT_LT(drain.frames(), 100u);
}

TEST_F(FileSourceTest, DestroyingARunningSourceStopsIt) {
  const std::string path = sine_file("drop.wav", {.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                                                  .seconds = 10.0});
  RingDrain drain(500);
  {
    auto source = FileSource::open(path, true);
    source->start(drain.writer(), drain.on_end());
  }
  EXPECT_FALSE(drain.ended());
}

// True while this process holds `path` open (what `ls -l /proc/self/fd` shows).
bool holds_open(const std::string& path) {
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(fd.path(), ec) == path) return true;
  }
  return false;
}

// The recorder keeps the last recording (and so its source) for its figures: the file must be
// closed by stop(), not by the source's destructor.
TEST_F(FileSourceTest, StopClosesTheFile) {
  const std::string path = sine_file("closed.wav", {.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16, .seconds = 0.5});
  auto source = FileSource::open(path, false);
  EXPECT_TRUE(holds_open(path));
  RingDrain drain(500);
  source->start(drain.writer(), drain.on_end());
  ASSERT_TRUE(test::wait_until([&] { return drain.ended(); }));
  source->stop();
  EXPECT_FALSE(holds_open(path));
}

// --- errors -------------------------------------------------------------------------------

std::string open_error(const std::string& path) {
  try {
    FileSource::open(path, false);
  } catch (const SourceError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_F(FileSourceTest, MissingFileNamesThePath) {
  const std::string path = dir.path("no-such-file.wav").string();
  const std::string message = open_error(path);
  EXPECT_NE(message.find("'" + path + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("No such file"), std::string::npos) << message;
}

TEST_F(FileSourceTest, TextFileNamedWavIsRefusedNamingThePath) {
  const std::string path = dir.path("notes.wav").string();
  std::ofstream(path) << "These are meeting notes, not audio.\n";
  const std::string message = open_error(path);
  EXPECT_NE(message.find("'" + path + "'"), std::string::npos) << message;
}

TEST_F(FileSourceTest, UnreadableFileNamesThePath) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  const std::string path = sine_file("locked.wav", {.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16});
  std::filesystem::permissions(path, std::filesystem::perms::none);
  const std::string message = open_error(path);
  EXPECT_NE(message.find("'" + path + "'"), std::string::npos) << message;
}

TEST_F(FileSourceTest, DirectoryIsRefusedNamingThePath) {
  const std::string path = dir.path("").string();
  EXPECT_EQ(open_error(path), "cannot open audio file '" + path + "': it is a directory");
}

TEST_F(FileSourceTest, EmptyWavIsRefused) {
  const std::string path = dir.path("empty.wav").string();
  test::write_wav16(path, {}, 16000);
  const std::string message = open_error(path);
  EXPECT_NE(message.find("'" + path + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("no audio"), std::string::npos) << message;
}

TEST_F(FileSourceTest, CorruptFlacEndsWithAnErrorOrEndsCleanly) {
  // A FLAC cut in the middle of a frame: libsndfile may report a decode error or just stop
  // early; either way the source must end exactly once, with no crash.
  const std::string path = sine_file("cut.flac", {.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16});
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  std::unique_ptr<FileSource> source;
  try {
    source = FileSource::open(path, false);
  } catch (const SourceError& e) {
    GTEST_SUCCEED() << "refused at open: " << e.what();
    return;
  }
  RingDrain drain(500);
  source->start(drain.writer(), drain.on_end());
  ASSERT_TRUE(drain.wait_end().has_value());
}

// --- standard input -----------------------------------------------------------------------

// Points fd 0 at the read end of a fresh pipe for one test, and puts the real stdin back.
class StdinPipe {
 public:
  StdinPipe() {
    saved_ = ::dup(0);
    int ends[2];
    if (saved_ < 0 || ::pipe(ends) != 0) throw std::runtime_error("pipe");
    ::dup2(ends[0], 0);
    ::close(ends[0]);
    write_end_ = ends[1];
  }
  ~StdinPipe() {
    close_writer();
    if (feeder_.joinable()) feeder_.join();
    ::dup2(saved_, 0);
    ::close(saved_);
  }
  // Writes `bytes` from a thread (a pipe holds only 64 KiB), closing the pipe after unless
  // told to keep it open.
  void feed(std::string bytes, bool then_close = true) {
    feeder_ = std::thread([this, bytes = std::move(bytes), then_close] {
      size_t at = 0;
      while (at < bytes.size()) {
        const ssize_t n = ::write(write_end_, bytes.data() + at, bytes.size() - at);
        if (n <= 0) return;
        at += static_cast<size_t>(n);
      }
      if (then_close) close_writer();
    });
  }
  void close_writer() {
    if (const int fd = write_end_.exchange(-1); fd >= 0) ::close(fd);
  }

 private:
  int saved_ = -1;
  std::atomic<int> write_end_{-1};
  std::thread feeder_;
};

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(FileSourceTest, WavOnStandardInputThroughAPipe) {
  const std::vector<int16_t> pcm = ramp_pcm(3 * 16000 + 11);  // more than a pipe holds
  const std::string path = dir.path("stdin.wav").string();
  test::write_wav16(path, pcm, 16000);
  StdinPipe stdin_pipe;
  stdin_pipe.feed(file_bytes(path));
  auto source = FileSource::open("-", false);
  RingDrain drain(50);
  source->start(drain.writer(), drain.on_end());
  const auto end = drain.wait_end();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, SourceEnd::Kind::EndOfInput) << end->message;
  EXPECT_EQ(drain.samples(), padded_to_frames(pcm));
}

TEST_F(FileSourceTest, ResampledWavOnStandardInput) {
  const std::string path = sine_file("stdin44.wav", {.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16});
  StdinPipe stdin_pipe;
  stdin_pipe.feed(file_bytes(path));
  auto source = FileSource::open("-", false);
  RingDrain drain(500);
  source->start(drain.writer(), drain.on_end());
  ASSERT_TRUE(drain.wait_end().has_value());
  EXPECT_NEAR(static_cast<double>(drain.frames()), 100.0, 1.0);
  EXPECT_NEAR(test::frequency_hz(middle(drain.samples())), 440.0, 2.0);
}

TEST_F(FileSourceTest, StopWhileStandardInputIsSilentReturnsPromptly) {
  const std::string path = dir.path("stalled.wav").string();
  test::write_wav16(path, ramp_pcm(16000), 16000);
  const std::string bytes = file_bytes(path);
  StdinPipe stdin_pipe;
  stdin_pipe.feed(bytes.substr(0, bytes.size() / 2), /*then_close=*/false);  // then stalls
  auto source = FileSource::open("-", false);
  RingDrain drain(500);
  source->start(drain.writer(), drain.on_end());
  ASSERT_TRUE(test::wait_until([&] { return drain.frames() >= 20; }));
  std::this_thread::sleep_for(20ms);  // now blocked reading
  const auto asked = Clock::now();
  source->stop();
  EXPECT_LT(Clock::now() - asked, 50ms);  // ~1 ms unloaded; slack for a busy CI
  EXPECT_FALSE(drain.ended());
}

TEST_F(FileSourceTest, GarbageOnStandardInputIsRefused) {
  StdinPipe stdin_pipe;
  stdin_pipe.feed(std::string(4096, 'x'));
  EXPECT_THROW(FileSource::open("-", false), SourceError);
}

}  // namespace
}  // namespace vs
