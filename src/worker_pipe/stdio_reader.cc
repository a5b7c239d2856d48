#include "worker_pipe/stdio_reader.h"

#include <spdlog/spdlog.h>

#include "worker_pipe/line_splitter.h"
#include "worker_pipe/wire_messages.h"

namespace vs {

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

IoEnd run_stderr_reader(UniqueFd fd, size_t max_line_bytes, pid_t pid, IpcCounters& counters,
                        const StopSignal& stop) {
  LineSplitter split(max_line_bytes);
  const LineSplitter::OnLine on_line = [&](std::string_view line) {
    counters.stderr_lines.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("worker[{}] {}", pid, line);
  };
  const IoEnd end = read_chunks(fd.get(), stop, [&](std::string_view chunk) {
    split.feed(chunk, on_line);
    if (const uint64_t n = split.take_new_oversized()) {
      counters.stderr_lines.fetch_add(n, std::memory_order_relaxed);
      spdlog::info("worker[{}] <line longer than {} bytes skipped>", pid, max_line_bytes);
    }
  });
  if (end != IoEnd::Stopped) split.finish(on_line);
  fd.reset();
  return end;
}

}  // namespace vs
