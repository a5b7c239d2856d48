// Sidecar is the full-duplex facade of ADR-013 over one worker instance's pipes:
//
//   Sidecar { AudioSink sink; EventStream events; }
//
// A writer thread alone owns the worker's stdin and drains the sink's queue; a reader thread
// alone owns its stdout, splits it into lines (at most max_line_bytes each), parses each line
// once into a typed WorkerMessage, hands it to the owner's hook (on the reader thread, in order:
// the supervisor's ready/pong and the pump's acks cannot be lost to a lagging buffer) and then
// publishes it on the instance's own event stream. Malformed, oversized and unknown lines
// are counted and skipped — never fatal, never a reason to stop reading. A third thread reads
// stderr and logs it line by line with the worker's pid, within a rate limit per instance
// (StderrLimits: a crash's traceback comes through whole, a flood does not reach the log; the
// dropped lines are counted in stats()). No mutex, pipe or fd is exposed.
//
//   auto sc = Sidecar::attach(std::move(pipes), pid, options, hook);
//   EventStream ev = sc->events();            // from the first line: sees `ready`
//   sc->sink().send_frame(stream, pcm, deadline);
//   ... ev.next_for(100ms) ...
//   sc.reset();   // closes stdin, joins all threads (they end when the pipes close)
//
// Lifetime: the threads end when the worker's pipes close, i.e. when the process exits. The
// owner (the supervision layer) normally stops or kills the process before destroying the
// Sidecar; if it has not, the destructor waits at most options.close_timeout and then stops the
// threads anyway (every wait is a poll() that also watches an internal stop eventfd), so it
// never hangs on a stuck worker. Once stdout ends (output_ended()), the sink is closed too:
// sends return Closed, the bus drains and then returns Closed.
//
// attach() sets SIGPIPE to SIG_IGN process-wide (once), so a dead worker is an EPIPE on the
// writer, not a signal that kills the daemon.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/unique_fd.h"
#include "worker_pipe/audio_sink.h"
#include "events/event_bus.h"
#include "worker_pipe/wire_messages.h"
#include "worker_pipe/ipc_stats.h"
#include "worker_pipe/stdio_reader.h"

namespace vs {

struct WorkerPipes {
  UniqueFd stdin_write;   // the worker's stdin, our writing end
  UniqueFd stdout_read;   // the worker's stdout, our reading end
  UniqueFd stderr_read;   // the worker's stderr, our reading end (may be invalid)
};

struct SidecarOptions {
  // Small on purpose: a hung worker must fill the recording's ring, not hidden buffers here.
  size_t sink_queue_frames = 8;
  size_t pipe_bytes = 4096;          // F_SETPIPE_SZ of the worker's stdin (0: the kernel's)
  size_t write_batch_bytes = 4096;   // the writer joins lines up to this into one write()
  size_t max_line_bytes = 1 << 20;
  size_t event_buffer = 1024;
  // The instance's own event ring is bounded in bytes too (the daemon's bus shares the bodies,
  // so an unbounded one here would pin every big event the daemon's ring already let go).
  size_t event_buffer_bytes = 16u << 20;
  // How long the destructor lets a live worker drain stdin and close its pipes before it stops
  // the threads regardless. A killed worker's pipes close at once, so this is only waited out
  // for a worker that is still running.
  std::chrono::milliseconds close_timeout{1000};
  // What of the worker's stderr reaches the log (see StderrLimits for why these numbers).
  StderrLimits stderr_limits{};
};

class Sidecar {
 public:
  // Called on the reader thread for every known message, before it is published; must not block.
  using MessageHook = std::function<void(const WorkerMessage&)>;

  static std::unique_ptr<Sidecar> attach(WorkerPipes pipes, pid_t pid, const SidecarOptions& options,
                                         MessageHook hook = {});
  // Closes stdin, then joins the writer, reader and stderr threads (bounded: see Lifetime).
  ~Sidecar();

  Sidecar(const Sidecar&) = delete;
  Sidecar& operator=(const Sidecar&) = delete;

  AudioSink& sink();
  // A stream of every known message from the worker's first line on (as far as the instance's
  // event_buffer reaches back); it ends (Closed) when the worker's stdout ends.
  EventStream events();
  uint64_t events_lagged() const;  // messages skipped by lagging readers of events()

  // Closes the sink: queued lines are still written, then stdin is closed (the worker sees EOF).
  // Sends after this return Closed.
  void close_input();

  // True once the reader saw EOF on the worker's stdout.
  bool output_ended() const;

  IpcStats stats() const;
  pid_t pid() const;

 private:
  struct Impl;
  explicit Sidecar(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs
