#include "http/openai_reply.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"

namespace vs {
namespace {

using nlohmann::json;

double seconds(long long ms) { return static_cast<double>(ms) / 1000.0; }

// Whisper's own field names and types, so openai-python's TranscriptionSegment reads every
// field; the ones the worker does not report (tokens, log-probabilities) are neutral values.
json segments_json(const std::vector<TimedText>& finals) {
  json out = json::array();
  for (const TimedText& f : finals) {
    const std::string text = std::string(trim(f.text));
    if (text.empty()) continue;
    out.push_back({{"id", out.size()},
                   {"seek", 0},
                   {"start", seconds(f.start_ms)},
                   {"end", seconds(std::max(f.start_ms, f.end_ms))},
                   {"text", " " + text},  // Whisper's segments start with a space
                   {"tokens", json::array()},
                   {"temperature", 0.0},
                   {"avg_logprob", 0.0},
                   {"compression_ratio", 0.0},
                   {"no_speech_prob", 0.0}});
  }
  return out;
}

HttpReply text_reply(std::string body, const char* type) {
  HttpReply r;
  r.content_type = type;
  r.body = std::move(body);
  return r;
}

std::string data_frame(const json& body) { return "data: " + dump_json(body) + "\n\n"; }

}  // namespace

HttpReply transcription_reply(ResponseFormat format, const std::vector<TimedText>& finals, double duration_s,
                              const std::string& language) {
  const std::string text = joined_text(finals);
  switch (format) {
    case ResponseFormat::Text: return text_reply(text + "\n", "text/plain; charset=utf-8");
    case ResponseFormat::Srt: return text_reply(to_srt(finals), "text/plain; charset=utf-8");
    case ResponseFormat::Vtt: return text_reply(to_vtt(finals), "text/vtt; charset=utf-8");
    case ResponseFormat::VerboseJson:
      return json_reply(200, {{"task", "transcribe"},
                              {"language", language.empty() || language == "en" ? "english" : language},
                              {"duration", duration_s},
                              {"text", text},
                              {"segments", segments_json(finals)},
                              {"usage", {{"type", "duration"}, {"seconds", std::ceil(duration_s)}}}});
    case ResponseFormat::Json: break;
  }
  return json_reply(200, {{"text", text}, {"usage", {{"type", "duration"}, {"seconds", std::ceil(duration_s)}}}});
}

std::string transcript_delta_frame(const std::string& text, bool first) {
  return data_frame({{"type", "transcript.text.delta"}, {"delta", (first ? "" : " ") + std::string(trim(text))}});
}

std::string transcript_done_frame(const std::string& full_text) {
  return data_frame({{"type", "transcript.text.done"}, {"text", full_text}});
}

std::string transcript_error_frame(const OpenAiError& e) {
  return data_frame({{"type", "error"},
                     {"error", {{"message", e.message}, {"type", e.type}, {"param", nullptr}, {"code", e.code.empty() ? json(nullptr) : json(e.code)}}}});
}

}  // namespace vs
