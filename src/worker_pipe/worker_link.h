// WorkerLink is what the audio path holds of one ready worker instance: its AudioSink (through
// the Sidecar), the acks its reader has seen, and how its audio clock maps onto the recording's.
// WorkerLinkSlot is the handle the supervisor swaps when an instance becomes ready or ends; the
// pump loads it once per turn, so no frame ever takes the supervisor's lock.
//
//   supervisor:  slot.store(link);  ...  slot.store(nullptr);
//   pump:        if (auto link = slot.load()) link->sidecar->sink().try_send_frame(pcm, &seq);
//   reader:      link_state.on_ack(msg);  bus.publish(link_state.on_timeline(msg));
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "worker_pipe/sidecar.h"
#include "worker_pipe/wire_messages.h"

namespace vs {

// The part of a link the instance's reader thread writes and the pump reads. Shared by both, and
// owned apart from the Sidecar so the reader's hook holding it makes no ownership cycle.
class WorkerLinkState {
 public:
  // Reader thread: an ack raises the acked watermark (never lowers it).
  void on_ack(const WorkerMessage& ack);
  int64_t acked() const { return acked_.load(std::memory_order_acquire); }  // -1: none yet
  uint64_t worker_received() const { return received_.load(std::memory_order_relaxed); }

  // Pump: from now on this instance's audio time t is recording time t + offset_ms, and its
  // events belong to `recording` (its id).
  void set_timeline(int64_t offset_ms, std::string recording);
  void clear_timeline();
  // True while a recording feeds this instance (its audio is on a recording's timeline).
  bool feeding_recording() const { return timeline_.load(std::memory_order_acquire); }

  // Reader thread: the body to publish — `msg`'s own when no recording feeds the instance or the
  // event is the instance's own (ready, pong, ack), else a copy naming the recording
  // ("recording": id) with audio_ms/start_ms/end_ms moved onto the recording's timeline.
  std::shared_ptr<const nlohmann::json> on_timeline(const WorkerMessage& msg) const;

 private:
  mutable std::mutex recording_mu_;  // held only to copy the id's pointer
  std::shared_ptr<const std::string> recording_;
  std::atomic<int64_t> acked_{-1};
  std::atomic<uint64_t> received_{0};
  std::atomic<int64_t> offset_ms_{0};
  std::atomic<bool> timeline_{false};
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
