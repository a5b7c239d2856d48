// The successful answers of POST /v1/audio/transcriptions, in OpenAI's shapes, from the finals
// of one recording. Pure: unit-tested, and the route only gathers the finals.
//
//   json          {"text": "...", "usage": {"type": "duration", "seconds": s}}
//   text          the text, text/plain
//   srt, vtt      subtitles (common/subtitles.h), one cue per final
//   verbose_json  {"task", "language", "duration", "text", "segments": [{"id", "start", "end", "text", ...}]}
//   stream=true   SSE: one `transcript.text.delta` per final, then `transcript.text.done`
//                 (openai-python's TranscriptionTextDeltaEvent / TranscriptionTextDoneEvent)
#pragma once

#include <string>
#include <vector>

#include "common/subtitles.h"
#include "http/http_types.h"
#include "http/openai_request.h"

namespace vs {

// `duration_s`: the audio's length; `language`: what the request said, "" for the model's own.
HttpReply transcription_reply(ResponseFormat format, const std::vector<TimedText>& finals, double duration_s,
                              const std::string& language);

// One SSE frame `data: {...}\n\n` carrying a delta: the final's text, with a space before it
// unless it is the first text of the transcript.
std::string transcript_delta_frame(const std::string& text, bool first);
std::string transcript_done_frame(const std::string& full_text);
// An error in the middle of a stream: the SDK raises it as an APIError with this message.
std::string transcript_error_frame(const OpenAiError& error);

}  // namespace vs
