// Recording is one recording: a source pushing into its AudioRing, and the pump — this class's
// thread — draining the ring into whichever worker is ready, keeping what the worker has not
// acknowledged (ReplayBuffer) and replaying it into the next instance after a crash or restart.
//
// While no worker is ready (a crash, a kill after a ping timeout, a restart), the pump moves the
// ring's frames into a pending queue bounded by audio.replay_seconds, so a gap longer than the
// 5 s ring loses nothing: the next worker gets the unacknowledged frames, then the pending ones,
// then the ring's, faster than real time, and the ring keeps draining behind them while it
// catches up. A worker that is there but takes no audio for the ring's length still lets the
// ring fill and trips the overflow stop (ADR-013).
//
// The pump owns every decision on the consumer side: the occupancy levels and their events, the
// overflow stop (stt_error + recording_stopped{"overflow"} at once, nothing dropped silently),
// the end of the recording (a stop request or the source's end: drain, flush the worker, wait
// until everything is acknowledged) and the counting of every frame.
//
//   Recording rec(std::move(source), "x.wav", options, supervisor.worker_link(), bus);
//   rec.start();
//   ...
//   rec.request_stop("requested");
//   rec.wait();                         // the last final has arrived (or flush_timeout passed)
//   RecordingSnapshot s = rec.snapshot();
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audio/audio_ring.h"
#include "audio/audio_source.h"
#include "audio/buffer_level.h"
#include "audio/poll_pacer.h"
#include "audio/recording_snapshot.h"
#include "audio/replay_buffer.h"
#include "audio/ring_writer.h"
#include "audio/transcript_stream.h"
#include "events/event_bus.h"
#include "worker_pipe/decode_request.h"
#include "worker_pipe/worker_link.h"

namespace vs {

struct RecordingOptions {
  std::string id;               // every event of the recording carries it as "recording"
  size_t ring_frames = 500;     // audio.buffer_seconds
  size_t replay_frames = 3000;  // audio.replay_seconds
  std::chrono::milliseconds flush_timeout{15000};
  // Called on the pump thread for every final_text of this recording, with its latency_ms.
  std::function<void(double)> on_final_latency;
  // How its audio is decoded, when its door asked (else the worker's stt.* settings).
  DecodeRequest decode;
};

class Recording {
 public:
  Recording(std::unique_ptr<AudioSource> source, std::string input, RecordingOptions options,
            const WorkerLinkSlot& worker, EventBus& bus);
  ~Recording();  // request_stop("shutdown") and wait()

  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  // Starts the pump, then the source. Throws SourceError if the source cannot start.
  void start();
  // Asks the pump to end the recording (first reason wins). Returns at once.
  void request_stop(const std::string& reason);
  // Waits until the pump has finished (see RecordingOptions::flush_timeout).
  void wait();
  bool finished() const { return finished_.load(); }
  // Calls `done` once the pump has finished: on the pump thread as its last act, or at once
  // when it has finished already. For callers that must not wait (the HTTP server).
  void on_finished(std::function<void()> done);

  RecordingSnapshot snapshot() const;
  AudioSource& source() { return *source_; }
  const std::string& id() const { return options_.id; }
  // The bus id of its recording_started event: a stream of its events starts there
  // (EventBus::subscribe_after(started_event() - 1)), however late its client comes.
  uint64_t started_event() const { return started_event_.load(); }
  // Its transcript, typed, from its start on, however late this is called.
  TranscriptStream transcript() const {
    return TranscriptStream(bus_.subscribe_after(started_event() - 1), options_.id);
  }

 private:
  enum class Step { Idle, Progressed, TookFromRing };
  void run();
  Step pump_turn();
  Step hold_while_no_worker();
  void nap();
  void switch_worker(std::shared_ptr<const WorkerLink> link);
  void apply_acks();
  void observe_level();
  void drain_events();
  bool try_finish(std::chrono::steady_clock::time_point now);
  void end_on_overflow();
  void finish(const std::string& reason, uint64_t unrecoverable);
  void begin_ending(const std::string& reason);
  uint64_t publish(nlohmann::json body);  // with "recording": id; returns the bus's event id
  void lose(uint64_t frames, const std::string& why);
  uint64_t take_pending();  // empties pending_, returning how many frames it held
  std::chrono::steady_clock::duration ring_duration() const;

  const std::string input_;
  const RecordingOptions options_;
  const WorkerLinkSlot& worker_;
  EventBus& bus_;
  std::unique_ptr<AudioSource> source_;
  AudioRing ring_;
  RingWriter writer_;

  // pump thread only
  ReplayBuffer replay_;
  std::deque<AudioFrame> pending_;  // taken from the ring while no worker is ready; sent before it
  std::chrono::steady_clock::time_point last_taken_{};  // when the worker last took a frame
  BufferLevels levels_;
  PollPacer pacer_;
  std::shared_ptr<const WorkerLink> link_;
  std::string stream_;            // this recording's stream on link_ ("" under protocol 1)
  bool link_broken_ = false;      // its sink said Closed: wait for the supervisor's next one
  bool timeline_set_ = false;
  bool options_sent_ = false;  // this worker instance has the recording's DecodeRequest
  uint64_t flushed_generation_ = 0;
  uint64_t next_index_ = 0;       // the next frame's position in the recording
  bool ending_ = false;
  std::string ending_reason_;     // why, once ending_ (copied from stop_reason_ at that moment)
  std::chrono::steady_clock::time_point ending_deadline_{};
  TranscriptStream finals_;       // its own, for the latency of each final

  // shared with snapshot() and request_stop()
  mutable std::mutex mu_;
  RecordingSnapshot snap_;
  std::string stop_reason_;       // set by request_stop or the source's end
  std::string stop_error_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<uint64_t> sent_{0}, acked_{0}, replayed_{0}, lost_{0}, worker_received_{0};
  std::atomic<bool> finished_{false};
  std::vector<std::function<void()>> on_finished_;
  std::atomic<int> level_{0};     // BufferLevel, for snapshot()
  std::atomic<uint64_t> started_event_{0};
  std::mutex join_mu_;
  std::thread pump_;
};

}  // namespace vs
