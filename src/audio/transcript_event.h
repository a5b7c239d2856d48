// TranscriptEvent is what one recording's transcription says, typed: speech started or ended, a
// partial, a final, and the recording's end with its figures. It is the vocabulary every door
// renders (an OpenAI reply, Wyoming's transcript events, a subtitle file), so none reads the
// worker's JSON itself.
//
// transcript_event() reads one bus event as a TranscriptEvent of a given recording: an event of
// another recording, or one a transcript has no word for (buffer levels, worker state), is
// nothing. TranscriptStream (transcript_stream.h) reads them off the bus for one recording.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/subtitles.h"
#include "events/event.h"

namespace vs {

struct SpeechStarted {
  int64_t audio_ms = 0;  // position in the recording
};
struct SpeechEnded {
  int64_t audio_ms = 0;
};
// The worker's current guess at the utterance so far; the next one may revise any word.
struct PartialText {
  std::string text;
  int64_t audio_ms = 0;  // how far into the recording the guess reaches
};
// One utterance's text, settled. It may be blank (the worker heard no words): a door that
// shows text skips those; the latency still counts. What the decoder said of the text comes
// when the worker reported it (an older or another engine may not): a door that must show a
// number where none came says so, it never invents one here.
struct FinalText {
  std::string text;
  int64_t start_ms = 0, end_ms = 0;  // the utterance's span in the recording
  std::optional<double> latency_ms = {};         // end of speech → final, when the worker measured it
  std::optional<double> avg_logprob = {};        // mean token log-probability, <= 0
  std::optional<double> no_speech_prob = {};     // 0..1
  std::optional<double> compression_ratio = {};  // text length / its zlib length; high means repetition
  std::optional<double> temperature = {};        // the decode temperature that produced the text
  std::string language = {};                     // the language decoded ("en"); "" when not said
  std::vector<TimedWord> words = {};             // on the recording's timeline; empty when not asked for
};
// The recording has ended; nothing of it follows.
struct RecordingEnded {
  std::string reason;  // requested, end_of_file, end_of_stream, overflow, ...
  std::string error;   // a sentence when it ended on an error
  uint64_t frames_captured = 0, frames_acked = 0, frames_lost = 0;
};

using TranscriptEvent = std::variant<SpeechStarted, SpeechEnded, PartialText, FinalText, RecordingEnded>;

// `e` as an event of `recording`'s transcript; nothing when it is another recording's, or not
// about its transcript.
std::optional<TranscriptEvent> transcript_event(const Event& e, std::string_view recording);

// The final as a subtitle source: its span, text and words.
TimedText timed_text(const FinalText& f);

}  // namespace vs
