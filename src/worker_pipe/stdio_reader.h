// The reader threads' bodies: the only code that reads a worker's stdout and stderr.
//
// stdout: bounded line framing (LineSplitter), each line parsed once; known worker messages are
// handed on, typed, in order; unknown types and malformed or oversized lines are counted and
// skipped.
// Nothing a worker writes ends reading early — only EOF, a read error or stop do.
// stderr: the same framing, each line counted and, within a per-instance rate limit
// (StderrLimits), logged with the worker's pid; dropped lines are only counted, and summed up in
// one log line per summary period.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string_view>

#include "common/unique_fd.h"
#include "worker_pipe/fd_io.h"
#include "worker_pipe/ipc_stats.h"
#include "worker_pipe/log_rate_limiter.h"
#include "worker_pipe/wire_messages.h"

namespace vs {

// How much of one worker instance's stderr reaches the daemon's log. Why these numbers:
// - burst 200 lines: a Python traceback is 30-100 lines (a chained one, "During handling of the
//   above exception...", up to about twice that) plus a few lines of start-up logging; all of it
//   must come through whole, at start-up or at a crash after a quiet spell. A fresh instance
//   starts with a full bucket.
// - 50 lines/s sustained: far above what a healthy worker logs (a few lines per utterance), so
//   nothing real is lost, while a flood costs the log at most ~50 lines/s (unlimited, 10 s of
//   flood was 6.1 M lines, 470 MB and half a core).
// - one summary per 5 s while dropping: the drops stay visible without becoming a flood of
//   their own.
// - 8 KiB per logged line: any real log record or traceback line fits; a worker that dumps a
//   tensor or a base64 blob to stderr gets its first 8 KiB logged, not a megabyte per line.
struct StderrLimits {
  LogRateLimits rate{.burst_lines = 200, .lines_per_second = 50, .summary_period = std::chrono::seconds(5)};
  size_t max_logged_line_bytes = 8 * 1024;
};

using OnWorkerMessage = std::function<void(WorkerMessage&&)>;

// One stdout line (no '\n'): count it, hand it on if it is a known worker message.
void handle_worker_line(std::string_view line, const OnWorkerMessage& on_message, IpcCounters& counters);

// fd must be non-blocking. Returns Done at EOF. Closes fd before returning.
IoEnd run_stdout_reader(UniqueFd fd, size_t max_line_bytes, const OnWorkerMessage& on_message,
                        IpcCounters& counters, const StopSignal& stop);
// Lines longer than max_line_bytes are skipped (a marker is logged instead), those longer than
// limits.max_logged_line_bytes are logged truncated, with a marker.
IoEnd run_stderr_reader(UniqueFd fd, size_t max_line_bytes, pid_t pid, const StderrLimits& limits,
                        IpcCounters& counters, const StopSignal& stop);

}  // namespace vs
