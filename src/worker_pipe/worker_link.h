// WorkerLink is what the audio path holds of one ready worker instance: its AudioSink (through
// the Sidecar), the acks its reader has seen, and how its audio clock maps onto the recording's.
// WorkerLinkSlot is the handle the supervisor swaps when an instance becomes ready or ends; the
// pump loads it once per turn, so no frame ever takes the supervisor's lock.
//
//   supervisor:  slot.store(link);  ...  slot.store(nullptr);
//   pump:        if (auto link = slot.load()) link->sidecar->sink().try_send_frame(stream, pcm, &seq);
//   reader:      link_state.on_ack(msg);  bus.publish(link_state.on_timeline(msg));
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "worker_pipe/sidecar.h"
#include "worker_pipe/wire_messages.h"

namespace vs {

// The part of a link the instance's reader thread writes and the pumps read, per stream (a
// recording's id under protocol 2; "" is protocol 1's only stream). Shared by both, and owned
// apart from the Sidecar so the reader's hook holding it makes no ownership cycle. A mutex
// guards a small map: a few lookups per pump turn and per worker line.
class WorkerLinkState {
 public:
  // Reader thread: ready says which protocol the worker speaks.
  void on_ready(const WorkerMessage& ready);
  // Protocol 2 and later carry several streams; under protocol 1 every recording is stream "".
  bool carries_streams() const { return protocol_.load(std::memory_order_acquire) >= 2; }

  // Reader thread: an ack raises its stream's acked watermark (never lowers it).
  void on_ack(const WorkerMessage& ack);
  int64_t acked(const std::string& stream) const;  // -1: none yet
  uint64_t worker_received(const std::string& stream) const;

  // Pump: from now on the stream's audio time t is recording time t + offset_ms, and its events
  // belong to `recording` (its id). clear_timeline forgets the stream.
  void set_timeline(const std::string& stream, int64_t offset_ms, std::string recording);
  void clear_timeline(const std::string& stream);
  // True while a recording feeds this instance (its audio is on a recording's timeline).
  bool feeding_recording() const;

  // Reader thread: the body to publish — `msg`'s own when no recording feeds its stream or the
  // event is the instance's own (ready, pong, ack), else a copy naming the recording
  // ("recording": id) with audio_ms/start_ms/end_ms, and a final's words[i].start_ms/end_ms,
  // moved onto the recording's timeline.
  std::shared_ptr<const nlohmann::json> on_timeline(const WorkerMessage& msg) const;

 private:
  struct Stream {
    int64_t acked = -1;
    uint64_t received = 0;
    bool timeline = false;
    int64_t offset_ms = 0;
    std::string recording;
  };
  mutable std::mutex mu_;
  std::map<std::string, Stream, std::less<>> streams_;
  std::atomic<int> protocol_{1};
};

struct WorkerLink {
  uint64_t generation = 0;
  std::shared_ptr<Sidecar> sidecar;
  std::shared_ptr<WorkerLinkState> state;
};

// A mutex of its own rather than std::atomic<std::shared_ptr>: libstdc++ 12 guards that with a
// lock bit ThreadSanitizer cannot see, and the lock here is held only to copy a pointer, once
// per pump turn.
class WorkerLinkSlot {
 public:
  std::shared_ptr<const WorkerLink> load() const {
    std::lock_guard lock(mu_);
    return link_;
  }
  void store(std::shared_ptr<const WorkerLink> link) {
    std::lock_guard lock(mu_);
    link_.swap(link);  // the old link is released after the lock, outside it
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const WorkerLink> link_;
};

}  // namespace vs
