#include "worker_pipe/stdio_reader.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "worker_pipe/line_splitter.h"
#include "worker_pipe/wire_messages.h"

namespace vs {
namespace {

// Logs one admitted stderr line; a long one is cut at a UTF-8 character boundary (a valid UTF-8
// line stays valid in the log) and marked with how much was left out.
void log_stderr_line(pid_t pid, std::string_view line, size_t max_bytes) {
  if (line.size() <= max_bytes) {
    spdlog::info("worker[{}] {}", pid, line);
    return;
  }
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  spdlog::info("worker[{}] {} <truncated: {} more bytes>", pid, line.substr(0, cut), line.size() - cut);
}

}  // namespace

void handle_worker_line(std::string_view line, const OnWorkerMessage& on_message, IpcCounters& counters) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return;  // a blank line carries nothing; not worth a malformed count
  ParsedLine parsed = parse_worker_line(line);
  switch (parsed.kind) {
    case LineKind::Malformed:
      counters.malformed_lines.fetch_add(1, std::memory_order_relaxed);
      return;
    case LineKind::Unknown:
      counters.lines_in.fetch_add(1, std::memory_order_relaxed);
      counters.unknown_lines.fetch_add(1, std::memory_order_relaxed);
      return;
    case LineKind::Known:
      counters.lines_in.fetch_add(1, std::memory_order_relaxed);
      // `error` too: it is an event, not an end.
      on_message(WorkerMessage{parsed.type, std::make_shared<const nlohmann::json>(std::move(parsed.body)),
                               line.size() + 1});
      return;
  }
}

IoEnd run_stdout_reader(UniqueFd fd, size_t max_line_bytes, const OnWorkerMessage& on_message,
                        IpcCounters& counters, const StopSignal& stop) {
  LineSplitter split(max_line_bytes);
  const LineSplitter::OnLine on_line = [&](std::string_view line) {
    handle_worker_line(line, on_message, counters);
  };
  const IoEnd end = read_chunks(fd.get(), stop, [&](std::string_view chunk) {
    split.feed(chunk, on_line);
    if (const uint64_t n = split.take_new_oversized()) {
      counters.oversized_lines.fetch_add(n, std::memory_order_relaxed);
    }
  });
  if (end != IoEnd::Stopped) split.finish(on_line);
  fd.reset();
  return end;
}

IoEnd run_stderr_reader(UniqueFd fd, size_t max_line_bytes, pid_t pid, const StderrLimits& limits,
                        IpcCounters& counters, const StopSignal& stop) {
  using Clock = std::chrono::steady_clock;
  LineSplitter split(max_line_bytes);
  LogRateLimiter limiter(limits.rate, Clock::now());
  // One clock read per chunk (up to 64 KiB, hundreds of lines in a flood), not per line: the
  // bucket does not need finer time, and a dropped line then costs a compare and two adds.
  Clock::time_point now = Clock::now();
  uint64_t lines = 0, dropped = 0;  // since the last publish(): one atomic add per chunk

  const LineSplitter::OnLine on_line = [&](std::string_view line) {
    ++lines;
    if (!limiter.admit(now)) {
      ++dropped;
      return;
    }
    log_stderr_line(pid, line, limits.max_logged_line_bytes);
  };
  const auto publish = [&] {
    if (lines) counters.stderr_lines.fetch_add(lines, std::memory_order_relaxed);
    if (dropped) counters.stderr_dropped_lines.fetch_add(dropped, std::memory_order_relaxed);
    lines = dropped = 0;
  };
  const auto report = [&](bool period_over) {
    if (const auto s = limiter.take_dropped_summary(now, period_over)) {
      spdlog::warn("worker stderr: dropped {} lines in the last {:.1f} s (rate limit {} lines/s, burst {}; "
                   "worker pid {})",
                   s->lines, std::chrono::duration<double>(s->span).count(), limits.rate.lines_per_second,
                   limits.rate.burst_lines, pid);
    }
  };

  const IoEnd end = read_chunks(
      fd.get(), stop,
      [&](std::string_view chunk) {
        now = Clock::now();
        split.feed(chunk, on_line);
        for (uint64_t n = split.take_new_oversized(); n > 0; --n) {
          ++lines;
          if (limiter.admit(now)) {
            spdlog::info("worker[{}] <line longer than {} bytes skipped>", pid, max_line_bytes);
          } else {
            ++dropped;
          }
        }
        publish();
        report(false);
      },
      [&] { return limiter.summary_due(); },
      [&] {
        now = Clock::now();
        report(false);
      });
  if (end != IoEnd::Stopped) split.finish(on_line);
  publish();
  now = Clock::now();
  report(true);
  fd.reset();
  return end;
}

}  // namespace vs
