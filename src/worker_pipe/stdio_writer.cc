#include "worker_pipe/stdio_writer.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "worker_pipe/wire_messages.h"

namespace vs {
namespace {

struct Batch {
  std::string bytes;
  uint64_t lines = 0, frames = 0, audio_bytes = 0;

  void add(const SinkQueue::Item& item) {
    if (item.is_frame) {
      append_audio_frame_line(bytes, item.stream, item.seq, item.pcm);
      ++frames;
      audio_bytes += item.pcm.size() * sizeof(int16_t);
    } else {
      bytes.append(item.line);
    }
    ++lines;
  }
  void clear() {
    bytes.clear();
    lines = frames = audio_bytes = 0;
  }
};

}  // namespace

IoEnd run_stdio_writer(UniqueFd stdin_fd, SinkQueue& queue, size_t batch_bytes, IpcCounters& counters,
                       const StopSignal& stop) {
  Batch batch;
  batch.bytes.reserve(batch_bytes + 4096);
  SinkQueue::Item item;
  IoEnd end = IoEnd::Done;
  while (queue.pop_wait(item)) {
    batch.add(item);
    while (batch.bytes.size() < batch_bytes && queue.try_pop(item)) batch.add(item);
    const auto t0 = std::chrono::steady_clock::now();
    end = write_all(stdin_fd.get(), batch.bytes, stop);
    const auto us = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
    if (us > counters.write_stall_max_us.load(std::memory_order_relaxed)) {
      counters.write_stall_max_us.store(us, std::memory_order_relaxed);  // this thread alone writes it
    }
    if (end != IoEnd::Done) {
      if (end == IoEnd::Broken) {
        spdlog::warn("worker stdin write failed: {}", std::strerror(errno));
      }
      break;
    }
    counters.lines_out.fetch_add(batch.lines, std::memory_order_relaxed);
    counters.frames_written.fetch_add(batch.frames, std::memory_order_relaxed);
    counters.audio_bytes_written.fetch_add(batch.audio_bytes, std::memory_order_relaxed);
    batch.clear();
  }
  if (end != IoEnd::Done) queue.fail();  // senders get Closed instead of filling a dead queue
  stdin_fd.reset();
  return end;
}

}  // namespace vs
