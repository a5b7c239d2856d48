// The reader threads' bodies: the only code that reads a worker's stdout and stderr.
//
// stdout: bounded line framing (LineSplitter), each line parsed; known worker events are
// published on the bus, unknown types and malformed or oversized lines are counted and skipped.
// Nothing a worker writes ends reading early — only EOF, a read error or stop do.
// stderr: the same framing, each line logged with the worker's pid and counted.
#pragma once

#include <sys/types.h>

#include <string_view>

#include "common/unique_fd.h"
#include "ipc/event_bus.h"
#include "ipc/fd_io.h"
#include "ipc/ipc_stats.h"

namespace vs {

// One stdout line (no '\n'): count it, publish it if it is a known worker event.
void handle_worker_line(std::string_view line, EventBus& bus, IpcCounters& counters);

// fd must be non-blocking. Returns Done at EOF. Closes fd before returning.
IoEnd run_stdout_reader(UniqueFd fd, size_t max_line_bytes, EventBus& bus, IpcCounters& counters,
                        const StopSignal& stop);
IoEnd run_stderr_reader(UniqueFd fd, size_t max_line_bytes, pid_t pid, IpcCounters& counters,
                        const StopSignal& stop);

}  // namespace vs
