// Recorder runs the recordings: up to audio.max_recordings at once, admitted through one
// first-in first-out AdmissionQueue that every door shares; it gives each an id
// (recording_id.h) and remembers the last kRecentRecordings. The recording API's core
// (/v1/recordings, the older /v1/recording/start|stop, POST /v1/audio, status.recording, the
// audio metrics) and that of `voice-sidecar transcribe`. "The most recent recording" is the one
// started last: what the single-recording routes and status.recording mean.
//
//   Recorder recorder(config.audio, supervisor.worker_link(), bus,
//                     [&] { return why_no_audio(supervisor.snapshot()); });
//   if (std::string why = recorder.why_no_audio(); !why.empty()) refuse(why);
//   std::string busy;
//   auto rec = recorder.start(FileSource::open(path, true), path, &busy);  // null + busy when full
//   auto ticket = recorder.admission().join(on_admitted);   // or wait in line, then
//   auto rec = recorder.start(std::move(source), input, &busy, std::move(ticket));
//   RecordingSnapshot s = recorder.stop("requested");       // waits for the last final
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audio/admission_queue.h"
#include "audio/latency_histogram.h"
#include "audio/recording.h"
#include "config/config.h"

namespace vs {

// Every recording's counts summed (the current one included), for /v1/metrics.
struct RecorderTotals {
  uint64_t recordings = 0;
  uint64_t frames_captured = 0, frames_sent = 0, frames_acked = 0, frames_rejected = 0,
           frames_replayed = 0, frames_lost = 0;
  double occupancy = 0;  // the fullest running recording's ring, 0 when none runs
  size_t active = 0;      // recordings running now
  size_t capacity = 1;    // recordings that can run at once (audio.max_recordings)
  size_t waiting = 0;     // doors waiting in the admission queue
  LatencyHistogram::Snapshot final_latency;
  LatencyHistogram::Snapshot admission_wait;
};

class Recorder {
 public:
  static constexpr size_t kRecentRecordings = 16;

  // Why no recording could take audio now (the worker is stopped or failed), empty when one
  // could: the one check every door makes before it starts a recording.
  using WorkerCheck = std::function<std::string()>;

  // Why the worker cannot decode as a door's request asks (a model or language it lacks); "" when it can.
  using ServeCheck = std::function<std::string(const DecodeRequest&)>;

  Recorder(const AudioConfig& config, const WorkerLinkSlot& worker, EventBus& bus, WorkerCheck why_no_audio = {},
           ServeCheck why_not_served = {});
  ~Recorder();  // stops every running recording ("shutdown")

  std::string why_no_audio() const { return why_no_audio_ ? why_no_audio_() : std::string(); }
  // The check every door with decode fields makes before it starts a recording: a 400 (or a
  // Wyoming error) naming what is installed, never a recording decoded some other way.
  std::string why_not_served(const DecodeRequest& request) const {
    return why_not_served_ && !request.empty() ? why_not_served_(request) : std::string();
  }

  // The queue a door that can wait joins; its admitted ticket goes to start().
  AdmissionQueue& admission() { return admission_; }
  // Starts recording from `source`. With an admitted `ticket` the slot is the ticket's; without
  // one, only when a slot is free now and nobody waits — else null, with a sentence in `busy`
  // naming the capacity (or the drain). The recording holds its share of the ticket until it
  // has finished (a door may hold another share a little longer, see wyoming_session.h).
  // Throws SourceError when the source cannot start (the recording is then listed as stopped,
  // reason source_error, its slot given back). `decode`: how its door asked it to be decoded.
  std::shared_ptr<Recording> start(std::unique_ptr<AudioSource> source, const std::string& input,
                                   std::string* busy, std::shared_ptr<AdmissionQueue::Ticket> ticket = nullptr,
                                   DecodeRequest decode = {});
  // Stops every running recording and waits for them to finish (flush, last final); the most
  // recent one's snapshot, or nullopt when none was running.
  std::optional<RecordingSnapshot> stop(const std::string& reason);
  // Stops the most recent running recording without waiting: `done` gets its snapshot (nullopt
  // when none was running) once it has finished, on the pump thread or at once.
  void stop_async(const std::string& reason, std::function<void(std::optional<RecordingSnapshot>)> done);
  // Stops recording `id` like stop_async; `done` gets nullopt when no recording has that id, and
  // at once the snapshot of one that has stopped already.
  void stop_async(const std::string& id, const std::string& reason,
                  std::function<void(std::optional<RecordingSnapshot>)> done);
  // The most recent running recording (null when none runs).
  std::shared_ptr<Recording> current() const;
  // Running recording `id` (null when none runs with that id).
  std::shared_ptr<Recording> running(const std::string& id) const;
  size_t running_count() const;
  // Shutting down: from now on start() refuses (null, and `busy` says why); the running
  // recordings go on. draining() tells a door to answer "unavailable" rather than "busy".
  void begin_drain();
  bool draining() const { return draining_.load(); }
  // The running recordings and the recent ones, newest first.
  std::vector<RecordingSnapshot> list() const;
  // Recording `id`, running or recent; nullopt when unknown (or long gone).
  std::optional<RecordingSnapshot> find(const std::string& id) const;
  // The bus id of recording `id`'s recording_started event (0 when unknown).
  uint64_t started_event(const std::string& id) const;
  // The most recent recording (running or not), or an idle snapshot.
  RecordingSnapshot snapshot() const;
  RecorderTotals totals() const;

 private:
  struct Past {
    RecordingSnapshot snapshot;
    uint64_t started_event = 0;
  };
  RecordingOptions options();
  std::optional<Past> lookup(const std::string& id) const;  // running or recent, one lock
  void retire(const std::shared_ptr<Recording>& rec);  // its pump finished: running → recent
  void run_admission_clock();
  void stop_then(const std::shared_ptr<Recording>& rec, const std::string& reason,
                 std::function<void(std::optional<RecordingSnapshot>)> done);

  const AudioConfig config_;
  const WorkerLinkSlot& worker_;
  EventBus& bus_;
  const WorkerCheck why_no_audio_;
  const ServeCheck why_not_served_;
  std::shared_ptr<LatencyHistogram> final_latency_ = std::make_shared<LatencyHistogram>();
  std::shared_ptr<LatencyHistogram> admission_wait_ = std::make_shared<LatencyHistogram>();
  AdmissionQueue admission_;
  // Ends the waits whose deadline passed (AdmissionQueue::expire), a few times a second.
  std::mutex clock_mu_;
  std::condition_variable clock_cv_;
  bool clock_stop_ = false;
  std::thread admission_clock_;

  mutable std::mutex mu_;
  std::mutex start_mu_;  // begin_drain() waits for a start under way
  std::atomic<bool> draining_{false};
  std::vector<std::shared_ptr<Recording>> running_;  // oldest first
  std::shared_ptr<Recording> latest_;                // the one started last, running or not
  RecorderTotals finished_;  // sums of the recordings that have finished
  std::deque<Past> recent_;  // the finished recordings, newest first
};

}  // namespace vs
