// TranscriptCollector gathers the finals of one recording (its TranscriptStream) for a request
// that answers with the whole transcript (POST /v1/audio/transcriptions), without a thread of
// its own and without blocking an I/O thread: it reads the stream on the publishing thread each
// time something is published (TranscriptStream::wake_when_ready), so it never falls behind the
// bus's ring however long the recording is, and it completes when the recording's pump says it
// has finished (Recording::on_finished), after the last final.
//
//   auto rec = recorder.start(...);
//   auto c = TranscriptCollector::create(rec->transcript());
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
#include "audio/transcript_stream.h"

namespace vs {

class TranscriptCollector : public std::enable_shared_from_this<TranscriptCollector> {
 public:
  struct Result {
    std::vector<FinalText> finals;  // those with text, in order
    RecordingSnapshot recording;
    uint64_t missed_events = 0;  // the bus dropped events before they were read (finals may be missing)
  };

  static std::shared_ptr<TranscriptCollector> create(TranscriptStream transcript);

  // Starts reading the bus as it fills. Call once, after the recording started.
  void watch();
  // The recording has finished: reads what is left on the bus, then completes. Any thread.
  void finish(const RecordingSnapshot& recording);
  // `done` is called once with the result: on the thread that calls finish(), or at once.
  void on_done(std::function<void(const Result&)> done);

  // For a streaming answer: appends the finals from `index` on to `out`; true once complete.
  bool read(size_t index, std::vector<FinalText>& out) const;
  // The result; only meaningful once read() said complete.
  Result result() const;
  // Calls `wake` once when read(index) would give more or completion; false (and keeps nothing)
  // when it would already.
  bool wake_when(size_t index, std::function<void()> wake);

 private:
  explicit TranscriptCollector(TranscriptStream transcript) : transcript_(std::move(transcript)) {}
  void drain_locked();
  void notify(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mu_;
  TranscriptStream transcript_;
  bool complete_ = false;
  Result result_;
  std::function<void(const Result&)> done_;
  std::function<void()> wake_;
  size_t wake_index_ = 0;
};

}  // namespace vs
