// The successful answers of POST /v1/audio/transcriptions, in OpenAI's shapes, from the finals
// of one recording. Pure: unit-tested, and the route only gathers the finals.
//
//   json          {"text": "...", "usage": {"type": "duration", "seconds": s}}
//   text          the text, text/plain
//   srt, vtt      subtitles (common/subtitles.h): cues of at most 2 lines of 42 characters and
//                 7 s, cut at the finals' word timings when the worker gave them
//   verbose_json  {"task", "language", "duration", "text", "segments": [{"id", "start", "end", "text",
//                 "avg_logprob", "no_speech_prob", "compression_ratio", "temperature", ...}],
//                 "words": [{"word", "start", "end"}] when timestamp_granularities[]=word was asked
//                 and the worker timed words}
//   stream=true   SSE: one `transcript.text.delta` per final, then `transcript.text.done`
//                 (openai-python's TranscriptionTextDeltaEvent / TranscriptionTextDoneEvent)
#pragma once

#include <string>
#include <vector>

#include "audio/transcript_event.h"
#include "common/subtitles.h"
#include "http/http_types.h"
#include "http/openai_request.h"

namespace vs {

// `request` says the format, language and timestamp granularities; `duration_s`: the audio's length.
HttpReply transcription_reply(const TranscriptionRequest& request, const std::vector<FinalText>& finals,
                              double duration_s);

// The finals as subtitle sources (their spans, texts and words).
std::vector<TimedText> timed_texts(const std::vector<FinalText>& finals);

// One SSE frame `data: {...}\n\n` carrying a delta: the final's text, with a space before it
// unless it is the first text of the transcript.
std::string transcript_delta_frame(const std::string& text, bool first);
std::string transcript_done_frame(const std::string& full_text);
// An error in the middle of a stream: the SDK raises it as an APIError with this message.
std::string transcript_error_frame(const OpenAiError& error);

}  // namespace vs
