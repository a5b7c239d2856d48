// TranscriptStream reads one recording's transcript off the event bus, typed (TranscriptEvent):
// from the recording's start, however late it is opened, until its RecordingEnded. It is how a
// door follows a recording; the bus's other events (another recording's, the worker's state)
// never reach it.
//
// It reads as an EventStream does, without waiting (poll) or with a deadline (next_for), or is
// called back when there may be more (wake_when_ready). A reader that fell behind the bus's ring
// learns how many events it missed (missed()): text may be missing then.
//
//   TranscriptStream t = recording->transcript();
//   while (auto e = t.poll()) std::visit(render, *e);
//   if (!t.ended()) t.wake_when_ready([...] { post(io, read_more); });
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "audio/transcript_event.h"
#include "events/event_bus.h"

namespace vs {

class TranscriptStream {
 public:
  TranscriptStream() = default;  // ended, reads nothing
  TranscriptStream(EventStream events, std::string recording)
      : events_(std::move(events)), recording_(std::move(recording)), ended_(false) {}

  // The recording's next event already on the bus; nothing when there is none yet, after its
  // RecordingEnded, or once the bus has closed.
  std::optional<TranscriptEvent> poll() { return next(std::chrono::steady_clock::time_point::min()); }
  // The same, waiting until the deadline for one.
  std::optional<TranscriptEvent> next(std::chrono::steady_clock::time_point deadline);
  std::optional<TranscriptEvent> next_for(std::chrono::milliseconds timeout) {
    return next(std::chrono::steady_clock::now() + timeout);
  }

  // Calls `wake` once when poll() may give more; false (and keeps nothing) when it would at once.
  // Once ended() or closed(), nothing more comes: check those before waiting.
  bool wake_when_ready(std::function<void()> wake) { return events_.wake_when_ready(std::move(wake)); }

  bool ended() const { return ended_; }      // its RecordingEnded was read
  bool closed() const { return closed_; }    // the bus closed first (the daemon is shutting down)
  uint64_t missed() const { return missed_; }  // events the bus dropped before they were read

 private:
  EventStream events_;
  std::string recording_;
  bool ended_ = true;
  bool closed_ = false;
  uint64_t missed_ = 0;
};

}  // namespace vs
