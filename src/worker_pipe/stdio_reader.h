// The reader threads' bodies: the only code that reads a worker's stdout and stderr.
//
// stdout: bounded line framing (LineSplitter), each line parsed once; known worker messages are
// handed on, typed, in order; unknown types and malformed or oversized lines are counted and
// skipped.
// Nothing a worker writes ends reading early — only EOF, a read error or stop do.
// stderr: the same framing, each line logged with the worker's pid and counted.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string_view>

#include "common/unique_fd.h"
#include "worker_pipe/fd_io.h"
#include "worker_pipe/ipc_stats.h"
#include "worker_pipe/wire_messages.h"

namespace vs {

using OnWorkerMessage = std::function<void(WorkerMessage&&)>;

// One stdout line (no '\n'): count it, hand it on if it is a known worker message.
void handle_worker_line(std::string_view line, const OnWorkerMessage& on_message, IpcCounters& counters);

// fd must be non-blocking. Returns Done at EOF. Closes fd before returning.
IoEnd run_stdout_reader(UniqueFd fd, size_t max_line_bytes, const OnWorkerMessage& on_message,
                        IpcCounters& counters, const StopSignal& stop);
IoEnd run_stderr_reader(UniqueFd fd, size_t max_line_bytes, pid_t pid, IpcCounters& counters,
                        const StopSignal& stop);

}  // namespace vs
