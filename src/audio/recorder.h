// Recorder runs at most one Recording at a time, gives each an id (recording_id.h) and
// remembers the last kRecentRecordings: the recording API's core (/v1/recordings, the older
// /v1/recording/start|stop, POST /v1/audio, status.recording, the audio metrics) and that of
// `voice-sidecar transcribe`.
//
//   Recorder recorder(config.audio, supervisor.worker_link(), bus);
//   std::string busy;
//   auto rec = recorder.start(FileSource::open(path, true), path, &busy);  // null + busy if one runs
//   RecordingSnapshot s = recorder.stop("requested");                      // waits for the last final
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audio/latency_histogram.h"
#include "audio/recording.h"
#include "config/config.h"

namespace vs {

// Every recording's counts summed (the current one included), for /v1/metrics.
struct RecorderTotals {
  uint64_t recordings = 0;
  uint64_t frames_captured = 0, frames_sent = 0, frames_acked = 0, frames_rejected = 0,
           frames_replayed = 0, frames_lost = 0;
  double occupancy = 0;  // the current recording's ring, 0 when none runs
  size_t active = 0;      // recordings running now
  size_t capacity = 1;    // recordings that can run at once (one, for now)
  LatencyHistogram::Snapshot final_latency;
};

class Recorder {
 public:
  static constexpr size_t kRecentRecordings = 16;

  Recorder(const AudioConfig& config, const WorkerLinkSlot& worker, EventBus& bus);
  ~Recorder();  // stops a running recording ("shutdown")

  // Starts recording from `source`. Returns null (and a sentence naming the running recording in
  // `busy`) when one is running already. Throws SourceError when the source cannot start.
  std::shared_ptr<Recording> start(std::unique_ptr<AudioSource> source, const std::string& input,
                                   std::string* busy);
  // Stops the running recording and waits for it to finish (flush, last final); nullopt when
  // none was running.
  std::optional<RecordingSnapshot> stop(const std::string& reason);
  // The same without waiting: `done` gets the stopped recording's snapshot (nullopt when none
  // was running) once it has finished, on the pump thread or at once.
  void stop_async(const std::string& reason, std::function<void(std::optional<RecordingSnapshot>)> done);
  // Stops recording `id` like stop_async; `done` gets nullopt when no recording has that id, and
  // at once the snapshot of one that has stopped already.
  void stop_async(const std::string& id, const std::string& reason,
                  std::function<void(std::optional<RecordingSnapshot>)> done);
  // The running recording (null when none runs).
  std::shared_ptr<Recording> current() const;
  // Shutting down: from now on start() refuses (null, and `busy` says why); the running
  // recording goes on. draining() tells a door to answer "unavailable" rather than "busy".
  void begin_drain();
  bool draining() const { return draining_.load(); }
  // The running recording and the recent ones, newest first.
  std::vector<RecordingSnapshot> list() const;
  // Recording `id`, running or recent; nullopt when unknown (or long gone).
  std::optional<RecordingSnapshot> find(const std::string& id) const;
  // The bus id of recording `id`'s recording_started event (0 when unknown).
  uint64_t started_event(const std::string& id) const;
  // The running recording, or the last one, or an idle snapshot.
  RecordingSnapshot snapshot() const;
  RecorderTotals totals() const;

 private:
  RecordingOptions options();

  const AudioConfig config_;
  const WorkerLinkSlot& worker_;
  EventBus& bus_;
  std::shared_ptr<LatencyHistogram> final_latency_ = std::make_shared<LatencyHistogram>();

  mutable std::mutex mu_;
  std::mutex start_mu_;  // one start at a time, so two cannot both find the recorder idle
  std::atomic<bool> draining_{false};
  std::shared_ptr<Recording> last_;
  RecorderTotals finished_;  // sums of the recordings before last_
  struct Past {
    RecordingSnapshot snapshot;
    uint64_t started_event = 0;
  };
  std::deque<Past> recent_;  // the recordings before last_, newest first
};

}  // namespace vs
