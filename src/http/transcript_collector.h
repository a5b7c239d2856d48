// TranscriptCollector gathers the finals of one recording from the daemon's EventBus for a
// request that answers with the whole transcript (POST /v1/audio/transcriptions), without a
// thread of its own and without blocking an I/O thread: it reads the bus on the publishing
// thread each time something is published (EventStream::wake_when_ready), so it never falls
// behind the bus's ring however long the recording is, and it completes when the recording's
// pump says it has finished (Recording::on_finished), after the last final.
//
// Subscribe before starting the recording, so its recording_started is seen; only events
// between that and its recording_stopped count (one recording at a time, so they are its own).
//
//   auto c = TranscriptCollector::create(bus.subscribe());
//   auto rec = recorder.start(...);
//   c->watch();
//   rec->on_finished([c, r = rec.get()] { c->finish(r->snapshot()); });
//   c->on_done([done](const TranscriptCollector::Result& r) { done(reply_from(r)); });
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audio/recording_snapshot.h"
#include "common/subtitles.h"
#include "events/event_bus.h"

namespace vs {

class TranscriptCollector : public std::enable_shared_from_this<TranscriptCollector> {
 public:
  struct Result {
    std::vector<TimedText> finals;
    RecordingSnapshot recording;
    uint64_t missed_events = 0;  // the bus dropped events before they were read (finals may be missing)
  };

  static std::shared_ptr<TranscriptCollector> create(EventStream events);

  // Starts reading the bus as it fills. Call once, after the recording started.
  void watch();
  // The recording has finished: reads what is left on the bus, then completes. Any thread.
  void finish(const RecordingSnapshot& recording);
  // `done` is called once with the result: on the thread that calls finish(), or at once.
  void on_done(std::function<void(const Result&)> done);

  // For a streaming answer: appends the finals from `index` on to `out`; true once complete.
  bool read(size_t index, std::vector<TimedText>& out) const;
  // The result; only meaningful once read() said complete.
  Result result() const;
  // Calls `wake` once when read(index) would give more or completion; false (and keeps nothing)
  // when it would already.
  bool wake_when(size_t index, std::function<void()> wake);

 private:
  explicit TranscriptCollector(EventStream events) : events_(std::move(events)) {}
  void drain_locked();
  void on_event(const nlohmann::json& body);
  void notify(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mu_;
  EventStream events_;
  bool started_ = false;  // saw this recording's recording_started
  bool stopped_ = false;  // saw its recording_stopped: later events are not its own
  bool complete_ = false;
  Result result_;
  std::function<void(const Result&)> done_;
  std::function<void()> wake_;
  size_t wake_index_ = 0;
};

}  // namespace vs
