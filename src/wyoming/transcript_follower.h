// TranscriptFollower turns one recording's transcript (TranscriptEvent: speech start, partials,
// finals, its end) into Wyoming's streaming transcript: transcript-start once speech shows,
// transcript-chunks that only ever append (their concatenation is always a prefix of what is
// known), and after the recording stopped the final transcript{text} and transcript-stop.
//
// Why append-only: a Wyoming client concatenates the chunks; a partial that revises earlier
// words cannot take back what was sent, so only text that extends what was sent goes out (a
// partial's last word, which may still be growing, is held back). The final `transcript` is the
// finals of every utterance joined — always the authoritative text.
//
// Pure: transcript events in, Wyoming events out.
//
//   TranscriptStream t = rec->transcript();
//   TranscriptFollower f;
//   while (auto e = t.poll()) for (auto& out : f.on_event(*e)) send(out);
//   if (f.stopped()) for (auto& out : f.finish()) send(out);
#pragma once

#include <string>
#include <vector>

#include "audio/transcript_event.h"
#include "wyoming/wyoming_event.h"

namespace vs {

class TranscriptFollower {
 public:
  std::vector<WyomingEvent> on_event(const TranscriptEvent& e);
  // The closing events: transcript-start (if speech never showed), transcript, transcript-stop.
  std::vector<WyomingEvent> finish();

  bool stopped() const { return stopped_; }
  const std::string& stop_reason() const { return stop_reason_; }
  const std::string& text() const { return committed_; }

 private:
  void stream_up_to(const std::string& known, std::vector<WyomingEvent>& out);
  void announce(std::vector<WyomingEvent>& out);

  bool announced_ = false;      // transcript-start sent
  bool stopped_ = false;
  std::string stop_reason_;
  std::string committed_;       // finals so far, joined with spaces
  std::string streamed_;        // what the chunks said so far
};

}  // namespace vs
