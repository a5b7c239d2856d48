#include "audio/transcript_stream.h"

#include <variant>

namespace vs {

std::optional<TranscriptEvent> TranscriptStream::next(std::chrono::steady_clock::time_point deadline) {
  while (!ended_ && !closed_) {
    NextResult r = events_.next(deadline);
    if (auto* e = std::get_if<EventPtr>(&r)) {
      std::optional<TranscriptEvent> t = transcript_event(**e, recording_);
      if (!t) continue;
      if (std::holds_alternative<RecordingEnded>(*t)) {
        ended_ = true;
        events_ = EventStream();  // nothing more of it will come: unsubscribe now
      }
      return t;
    }
    if (auto* lag = std::get_if<Lagged>(&r)) {
      missed_ += lag->missed;
      continue;
    }
    if (std::holds_alternative<Closed>(r)) closed_ = true;
    break;  // TimedOut
  }
  return std::nullopt;
}

}  // namespace vs
