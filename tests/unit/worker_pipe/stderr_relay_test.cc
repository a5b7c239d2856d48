// run_stderr_reader on a real pipe: what of a worker's stderr reaches the log, and what is
// counted, under the rate limit and the line-length bound.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <string>
#include <string_view>

#include "worker_pipe/stdio_reader.h"

namespace vs {
namespace {

struct Relayed {
  std::string log;
  IpcStats stats;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Writes `input` into a pipe, closes it, and relays it to a captured log. Input must fit in the
// pipe (64 KiB): the writer and the relay run one after the other.
// n copies of c, then tail. (Built by append: GCC 12 at -O2 warns falsely, -Warray-bounds, about
// a temporary string + a literal, GCC bug 105329.)
std::string repeated_then(size_t n, char c, std::string_view tail) {
  std::string s(n, c);
  s.append(tail);
  return s;
}

Relayed relay(const std::string& input, const StderrLimits& limits, size_t max_line_bytes = 1 << 20) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  EXPECT_EQ(::write(write_end.get(), input.data(), input.size()), static_cast<ssize_t>(input.size()));
  write_end.reset();
  EXPECT_TRUE(set_nonblocking(read_end.get()));

  std::ostringstream out;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out)));
  IpcCounters counters;
  StopSignal stop;
  EXPECT_EQ(run_stderr_reader(std::move(read_end), max_line_bytes, 42, limits, counters, stop), IoEnd::Done);
  spdlog::set_default_logger(previous);
  return {out.str(), snapshot(counters)};
}

std::string numbered_lines(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "line " + std::to_string(i) + "\n";
  return s;
}

TEST(StderrRelay, ATracebackWithinTheBurstIsLoggedWhole) {
  const Relayed r = relay(numbered_lines(100), StderrLimits{});
  EXPECT_EQ(count(r.log, "worker[42] line "), 100u);
  EXPECT_NE(r.log.find("worker[42] line 99\n"), std::string::npos);
  EXPECT_EQ(r.stats.stderr_lines, 100u);
  EXPECT_EQ(r.stats.stderr_dropped_lines, 0u);
  EXPECT_EQ(r.log.find("dropped"), std::string::npos);
}

TEST(StderrRelay, AFloodIsCutToTheBurstCountedAndSummedUpOnce) {
  // All 3,000 lines arrive at once: only the burst gets through (the refill between reads is
  // a few lines at most), the rest is counted, and the end of input reports the drops.
  const Relayed r = relay(numbered_lines(3000), StderrLimits{});
  const size_t logged = count(r.log, "worker[42] line ");
  EXPECT_GE(logged, 200u);
  EXPECT_LE(logged, 210u);
  EXPECT_NE(r.log.find("worker[42] line 0\n"), std::string::npos);  // the first lines, in order
  EXPECT_EQ(r.stats.stderr_lines, 3000u);
  EXPECT_EQ(r.stats.stderr_dropped_lines, 3000u - logged);
  EXPECT_EQ(count(r.log, "worker stderr: dropped " + std::to_string(3000 - logged) +
                             " lines in the last "),
            1u)
      << r.log;
  EXPECT_NE(r.log.find("(rate limit 50 lines/s"), std::string::npos);
}

TEST(StderrRelay, ALongLineIsLoggedTruncatedWithAMarker) {
  StderrLimits limits;
  limits.max_logged_line_bytes = 100;
  const Relayed r = relay(repeated_then(250, 'x', "\nshort\n"), limits);
  EXPECT_NE(r.log.find("worker[42] " + std::string(100, 'x') + " <truncated: 150 more bytes>\n"),
            std::string::npos)
      << r.log;
  EXPECT_EQ(r.log.find(std::string(101, 'x')), std::string::npos);
  EXPECT_NE(r.log.find("worker[42] short\n"), std::string::npos);
  EXPECT_EQ(r.stats.stderr_lines, 2u);
}

TEST(StderrRelay, TruncationDoesNotSplitAUtf8Character) {
  StderrLimits limits;
  limits.max_logged_line_bytes = 4;
  const Relayed r = relay("abc\xC3\xA9" "def\n", limits);  // "abcédef": é is 2 bytes at 3..4
  EXPECT_NE(r.log.find("worker[42] abc <truncated: 5 more bytes>\n"), std::string::npos) << r.log;
}

TEST(StderrRelay, ALineOverTheFramingCapIsSkippedWithAMarkerAndCounted) {
  const Relayed r = relay(repeated_then(16 * 1024, 'y', "\nafter\n"), StderrLimits{}, 4096);
  EXPECT_NE(r.log.find("worker[42] <line longer than 4096 bytes skipped>"), std::string::npos) << r.log;
  EXPECT_NE(r.log.find("worker[42] after\n"), std::string::npos);
  EXPECT_EQ(r.stats.stderr_lines, 2u);
}

}  // namespace
}  // namespace vs
