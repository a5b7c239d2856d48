#include "http/openai_reply.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"
#include "http/openai_language.h"

namespace vs {
namespace {

using nlohmann::json;

double seconds(long long ms) { return static_cast<double>(ms) / 1000.0; }

// openai-python's TranscriptionSegment declares avg_logprob, compression_ratio, no_speech_prob
// and temperature as required floats, so a segment always has them: the worker's value when it
// reported one, else a neutral 0.0 that trips none of Whisper's own thresholds (avg_logprob < -1,
// compression_ratio > 2.4, no_speech_prob > 0.6) — a client's filter keeps what nothing judged.
double reported(const std::optional<double>& value) { return value.value_or(0.0); }

// Whisper's own field names and types, so openai-python's TranscriptionSegment reads every
// field; tokens are not reported by the worker (an empty list).
json segments_json(const std::vector<FinalText>& finals) {
  json out = json::array();
  for (const FinalText& f : finals) {
    const std::string text = std::string(trim(f.text));
    if (text.empty()) continue;
    out.push_back({{"id", out.size()},
                   {"seek", 0},
                   {"start", seconds(f.start_ms)},
                   {"end", seconds(std::max(f.start_ms, f.end_ms))},
                   {"text", " " + text},  // Whisper's segments start with a space
                   {"tokens", json::array()},
                   {"temperature", reported(f.temperature)},
                   {"avg_logprob", reported(f.avg_logprob)},
                   {"compression_ratio", reported(f.compression_ratio)},
                   {"no_speech_prob", reported(f.no_speech_prob)}});
  }
  return out;
}

// OpenAI's TranscriptionWord: {"word", "start", "end"} in seconds, the word without its blank;
// times inside their final and monotonic (clamped_words).
json words_json(const std::vector<FinalText>& finals) {
  json out = json::array();
  for (const FinalText& f : finals) {
    if (blank(f.text)) continue;
    for (const TimedWord& w : clamped_words(timed_text(f))) {
      out.push_back({{"word", std::string(trim(w.text))}, {"start", seconds(w.start_ms)}, {"end", seconds(w.end_ms)}});
    }
  }
  return out;
}

// Word timings are there when a final with text carries words, or when no final has text (no
// word was said: an empty list is the truth). A worker not configured for them
// (stt.word_timestamps) sends finals with text and no words.
bool words_timed(const std::vector<FinalText>& finals) {
  bool any_text = false;
  for (const FinalText& f : finals) {
    if (blank(f.text)) continue;
    if (!f.words.empty()) return true;
    any_text = true;
  }
  return !any_text;
}

// The language decoded, as Whisper names it in verbose_json ("english"): the request's, else
// what the worker said it decoded.
std::string language_of(const TranscriptionRequest& request, const std::vector<FinalText>& finals) {
  std::string code = request.language;
  for (auto f = finals.begin(); code.empty() && f != finals.end(); ++f) code = to_lower(f->language);
  return code.empty() ? "english" : whisper_language_name(code);  // the bundled model's, before it says
}

json verbose_json(const TranscriptionRequest& request, const std::vector<FinalText>& finals, double duration_s) {
  json out = {{"task", "transcribe"},
              {"language", language_of(request, finals)},
              {"duration", duration_s},
              {"text", joined_text(timed_texts(finals))},
              {"usage", {{"type", "duration"}, {"seconds", std::ceil(duration_s)}}}};
  const bool words = request.word_timestamps && words_timed(finals);
  if (words) out["words"] = words_json(finals);
  // Asked for words alone, OpenAI leaves segments out; without the words, segments are the
  // timing there is, so they stay.
  if (request.segment_timestamps || !words) out["segments"] = segments_json(finals);
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

std::vector<TimedText> timed_texts(const std::vector<FinalText>& finals) {
  std::vector<TimedText> out;
  out.reserve(finals.size());
  for (const FinalText& f : finals) out.push_back(timed_text(f));
  return out;
}

HttpReply transcription_reply(const TranscriptionRequest& request, const std::vector<FinalText>& finals,
                              double duration_s) {
  const std::vector<TimedText> timed = timed_texts(finals);
  switch (request.format) {
    case ResponseFormat::Text: return text_reply(joined_text(timed) + "\n", "text/plain; charset=utf-8");
    case ResponseFormat::Srt: return text_reply(to_srt(subtitle_cues(timed)), "text/plain; charset=utf-8");
    case ResponseFormat::Vtt: return text_reply(to_vtt(subtitle_cues(timed)), "text/vtt; charset=utf-8");
    case ResponseFormat::VerboseJson: return json_reply(200, verbose_json(request, finals, duration_s));
    case ResponseFormat::Json: break;
  }
  return json_reply(200, {{"text", joined_text(timed)},
                          {"usage", {{"type", "duration"}, {"seconds", std::ceil(duration_s)}}}});
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
