// The OpenAI-compatible transcription request (POST /v1/audio/transcriptions) read from its
// multipart form, and the error answer in OpenAI's shape. Pure: no I/O, unit-tested.
//
// Accepted fields: file (required), model (required: one of the ids the daemon serves, e.g.
// "tiny.en" or "whisper-1"), language, prompt, temperature (0..1), response_format (json, text,
// srt, vtt, verbose_json), stream (true/false; json or text only), timestamp_granularities[]
// (word, segment; repeated for both), include[] (logprobs is not available and is refused). prompt and temperature
// are checked and then not used: the worker protocol has no place for them (DESIGN.md §3).
// Anything else is refused by name, as OpenAI does, so a typo does not pass silently.
//
//   auto parsed = parse_transcription_request(content_type, body, {"tiny.en", "whisper-1"}, "tiny.en");
//   if (auto* error = std::get_if<OpenAiError>(&parsed)) return openai_error_reply(*error);
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/http_types.h"

namespace vs {

enum class ResponseFormat { Json, Text, Srt, Vtt, VerboseJson };

struct TranscriptionRequest {
  std::string model;
  std::string language;  // "" when not given
  std::string prompt;
  double temperature = 0;
  bool temperature_given = false;
  ResponseFormat format = ResponseFormat::Json;
  bool stream = false;
  // timestamp_granularities[] (verbose_json): none given is OpenAI's default, segments only.
  bool granularities_given = false;
  bool word_timestamps = false;
  bool segment_timestamps = true;
  std::string filename;
  std::string_view audio;  // the file part's bytes: a view into the request body
};

// {"error": {"message", "type", "param", "code"}}: OpenAI's error body, which its SDKs turn
// into their own exceptions (400 → BadRequestError, ...). param/code are null when empty.
struct OpenAiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;
  std::string code;
  int retry_after_s = 0;  // > 0: a Retry-After header (busy, worker not running)
};

HttpReply openai_error_reply(const OpenAiError& error);

// `models`: the ids accepted in `model`. Whether the model can serve the language is the
// worker's to say (Recorder::why_not_served), not the form's.
std::variant<TranscriptionRequest, OpenAiError> parse_transcription_request(
    const std::string& content_type, std::string_view body, const std::vector<std::string>& models);

}  // namespace vs
