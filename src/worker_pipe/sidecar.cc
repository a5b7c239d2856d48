#include "worker_pipe/sidecar.h"

#include <fcntl.h>

#include <csignal>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include <spdlog/spdlog.h>

#include "worker_pipe/fd_io.h"
#include "worker_pipe/sink_queue.h"
#include "worker_pipe/stdio_reader.h"
#include "worker_pipe/stdio_writer.h"
#include "worker_pipe/wire_messages.h"

namespace vs {
namespace {

// A write to a pipe whose reader died raises SIGPIPE, whose default action kills the daemon.
// The writer wants EPIPE instead. Pipes have no MSG_NOSIGNAL and a per-thread mask would leave
// a pending signal to deliver later, so the disposition is set to ignore, once, process-wide
// (the daemon's sockets want the same). Children get the default back: exec resets only
// caught signals, so the spawner (src/supervision) resets dispositions explicitly.
void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

// The longest frame whose audio_frame line still fits in max_line_bytes.
size_t max_frame_samples_for(size_t max_line_bytes) {
  const std::string longest_stream(kMaxStreamIdBytes, 'x');
  const size_t overhead = audio_frame_line_size(longest_stream, UINT64_MAX, 0) - 1;  // '\n' is not counted
  if (max_line_bytes <= overhead) return 0;
  return (max_line_bytes - overhead) / 4 * 3 / sizeof(int16_t);
}

void make_nonblocking(const UniqueFd& fd, const char* what) {
  if (fd && !set_nonblocking(fd.get())) {
    throw std::system_error(errno, std::generic_category(), std::string("O_NONBLOCK on ") + what);
  }
}

}  // namespace

struct Sidecar::Impl {
  Impl(pid_t p, const SidecarOptions& o, MessageHook h)
      : pid(p),
        options(o),
        hook(std::move(h)),
        bus(o.event_buffer, o.event_buffer_bytes),
        queue(std::make_shared<SinkQueue>(o.sink_queue_frames == 0 ? 1 : o.sink_queue_frames,
                                          max_frame_samples_for(o.max_line_bytes))),
        sink(queue) {}

  const pid_t pid;
  const SidecarOptions options;
  const MessageHook hook;
  IpcCounters counters;
  EventBus bus;
  std::shared_ptr<SinkQueue> queue;
  AudioSink sink;
  StopSignal stop;
  std::atomic<bool> output_ended{false};

  std::mutex done_mu;
  std::condition_variable done_cv;
  int running = 0;  // threads started and not yet finished
  std::thread writer, reader, stderr_reader;

  // Runs body on a new thread; an exception ends only that thread, logged, never the daemon.
  template <class Body>
  std::thread start(const char* name, Body body) {
    {
      std::lock_guard lock(done_mu);
      ++running;
    }
    try {
      return std::thread([this, name, body = std::move(body)]() mutable {
        try {
          body();
        } catch (const std::exception& e) {
          spdlog::error("worker[{}] {} thread failed: {}", pid, name, e.what());
          queue->fail();
          bus.close();
        }
        {
          std::lock_guard lock(done_mu);
          --running;
        }
        done_cv.notify_all();
      });
    } catch (...) {
      std::lock_guard lock(done_mu);
      --running;
      throw;
    }
  }
};

namespace {

// Shrinks the stdin pipe: its 64 KiB default holds ~1.4 s of audio_frame lines that a hung
// worker would hide from the ring's overflow rule. Best effort: the kernel may round up.
void shrink_pipe(const UniqueFd& fd, size_t bytes) {
  if (bytes == 0) return;
  if (::fcntl(fd.get(), F_SETPIPE_SZ, static_cast<int>(bytes)) < 0) {
    spdlog::debug("F_SETPIPE_SZ {} on worker stdin: {}", bytes, std::strerror(errno));
  }
}

}  // namespace

std::unique_ptr<Sidecar> Sidecar::attach(WorkerPipes pipes, pid_t pid, const SidecarOptions& options,
                                         MessageHook hook) {
  if (!pipes.stdin_write || !pipes.stdout_read) {
    throw std::invalid_argument("Sidecar::attach needs the worker's stdin and stdout pipes");
  }
  ignore_sigpipe_once();
  make_nonblocking(pipes.stdin_write, "worker stdin");
  make_nonblocking(pipes.stdout_read, "worker stdout");
  make_nonblocking(pipes.stderr_read, "worker stderr");
  shrink_pipe(pipes.stdin_write, options.pipe_bytes);

  std::unique_ptr<Sidecar> sc(new Sidecar(std::make_unique<Impl>(pid, options, std::move(hook))));
  Impl& im = *sc->impl_;
  // If a thread cannot be started, `sc`'s destructor stops and joins those that were.
  im.writer = im.start("writer", [&im, fd = std::move(pipes.stdin_write)]() mutable {
    run_stdio_writer(std::move(fd), *im.queue, im.options.write_batch_bytes, im.counters, im.stop);
  });
  im.reader = im.start("reader", [&im, fd = std::move(pipes.stdout_read)]() mutable {
    const OnWorkerMessage on_message = [&im](WorkerMessage&& m) {
      if (im.hook) im.hook(m);
      im.bus.publish(std::move(m.body), m.bytes);
    };
    const IoEnd end =
        run_stdout_reader(std::move(fd), im.options.max_line_bytes, on_message, im.counters, im.stop);
    if (end != IoEnd::Stopped) {
      // No stdout, no acks or results: this instance is over. Fail the sink before the flag
      // and the bus, so whoever sees either also sees sends return Closed.
      im.queue->fail();
      im.output_ended.store(true);
    }
    im.bus.close();
  });
  if (pipes.stderr_read) {
    im.stderr_reader = im.start("stderr", [&im, fd = std::move(pipes.stderr_read)]() mutable {
      run_stderr_reader(std::move(fd), im.options.max_line_bytes, im.pid, im.options.stderr_limits,
                        im.counters, im.stop);
    });
  }
  return sc;
}

Sidecar::Sidecar(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Sidecar::~Sidecar() {
  Impl& im = *impl_;
  // Graceful first: queued lines go out, stdin closes, a live worker exits and its pipes close.
  im.queue->close();
  {
    std::unique_lock lock(im.done_mu);
    im.done_cv.wait_for(lock, im.options.close_timeout, [&] { return im.running == 0; });
  }
  // Then forced: a worker that is stuck, ignores EOF or left its pipes to a grandchild cannot
  // keep a thread (and so this destructor) waiting.
  im.stop.raise();
  im.queue->fail();
  for (std::thread* t : {&im.writer, &im.reader, &im.stderr_reader}) {
    if (t->joinable()) t->join();
  }
  im.bus.close();
}

AudioSink& Sidecar::sink() { return impl_->sink; }
EventStream Sidecar::events() { return impl_->bus.subscribe_retained(); }
uint64_t Sidecar::events_lagged() const { return impl_->bus.lagged_events(); }
void Sidecar::close_input() { impl_->queue->close(); }
bool Sidecar::output_ended() const { return impl_->output_ended.load(); }
pid_t Sidecar::pid() const { return impl_->pid; }

IpcStats Sidecar::stats() const {
  IpcStats s = snapshot(impl_->counters);
  s.sink_queue_depth = impl_->queue->depth();
  return s;
}

}  // namespace vs
