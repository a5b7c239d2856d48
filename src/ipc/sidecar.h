// Sidecar is the full-duplex facade of ADR-013 over one worker instance's pipes:
//
//   Sidecar { AudioSink sink; EventStream events; }
//
// A writer thread alone owns the worker's stdin and drains the sink's queue; a reader thread
// alone owns its stdout, splits it into lines (at most max_line_bytes each), parses each line
// as JSON and publishes it on the instance's EventBus. Malformed, oversized and unknown lines
// are counted and skipped — never fatal, never a reason to stop reading. A third thread reads
// stderr and logs it line by line with the worker's pid. No mutex, pipe or fd is exposed.
//
//   auto sc = Sidecar::attach(std::move(pipes), pid, options);
//   EventStream ev = sc->events().subscribe_retained();  // from the first line: sees `ready`
//   sc->sink().send_frame(pcm, deadline);
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
#include <memory>
#include <string>
#include <thread>

#include "common/unique_fd.h"
#include "ipc/audio_sink.h"
#include "ipc/event_bus.h"
#include "ipc/ipc_stats.h"

namespace vs {

struct WorkerPipes {
  UniqueFd stdin_write;   // the worker's stdin, our writing end
  UniqueFd stdout_read;   // the worker's stdout, our reading end
  UniqueFd stderr_read;   // the worker's stderr, our reading end (may be invalid)
};

struct SidecarOptions {
  size_t sink_queue_frames = 50;
  size_t max_line_bytes = 1 << 20;
  size_t event_buffer = 1024;
  // How long the destructor lets a live worker drain stdin and close its pipes before it stops
  // the threads regardless. A killed worker's pipes close at once, so this is only waited out
  // for a worker that is still running.
  std::chrono::milliseconds close_timeout{1000};
};

class Sidecar {
 public:
  static std::unique_ptr<Sidecar> attach(WorkerPipes pipes, pid_t pid, const SidecarOptions& options);
  // Closes stdin, then joins the writer, reader and stderr threads (bounded: see Lifetime).
  ~Sidecar();

  Sidecar(const Sidecar&) = delete;
  Sidecar& operator=(const Sidecar&) = delete;

  AudioSink& sink();
  EventBus& events();  // subscribe() here; closed when the worker's stdout ends

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
