// The writer thread's body: the only code that writes to a worker's stdin.
//
// It takes control lines and frames from the SinkQueue, encodes frames to audio_frame lines
// here (so senders only copy PCM), batches what is already queued into one write, and ends when
// the queue is closed and drained (then stdin is closed and the worker sees EOF), when the pipe
// breaks (the queue is failed, so senders get Closed), or when stop is raised.
#pragma once

#include "common/unique_fd.h"
#include "ipc/fd_io.h"
#include "ipc/ipc_stats.h"
#include "ipc/sink_queue.h"

namespace vs {

// stdin_fd must be non-blocking. Returns how it ended; closes stdin_fd before returning.
IoEnd run_stdio_writer(UniqueFd stdin_fd, SinkQueue& queue, IpcCounters& counters,
                       const StopSignal& stop);

}  // namespace vs
