// The writer thread's body: the only code that writes to a worker's stdin.
//
// It takes control lines and frames from the SinkQueue, encodes frames to audio_frame lines
// here (so senders only copy PCM), batches what is already queued into one write, and ends when
// the queue is closed and drained (then stdin is closed and the worker sees EOF), when the pipe
// breaks (the queue is failed, so senders get Closed), or when stop is raised.
#pragma once

#include "common/unique_fd.h"
#include "worker_pipe/fd_io.h"
#include "worker_pipe/ipc_stats.h"
#include "worker_pipe/sink_queue.h"

namespace vs {

// stdin_fd must be non-blocking. Returns how it ended; closes stdin_fd before returning.
// batch_bytes bounds one write(): small keeps audio in the ring (where the overflow rule sees
// it) rather than in this thread's hands while a hung worker blocks the pipe.
IoEnd run_stdio_writer(UniqueFd stdin_fd, SinkQueue& queue, size_t batch_bytes, IpcCounters& counters,
                       const StopSignal& stop);

}  // namespace vs
