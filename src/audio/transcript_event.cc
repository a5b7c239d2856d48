#include "audio/transcript_event.h"

#include "common/strings.h"
#include "events/recording_scope.h"

namespace vs {
namespace {

std::string text_of(const nlohmann::json& body) {
  const auto it = body.find("text");
  return it != body.end() && it->is_string() ? std::string(trim(it->get_ref<const std::string&>())) : std::string();
}

std::string string_of(const nlohmann::json& body, const char* key) {
  const auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <typename T>
T number_of(const nlohmann::json& body, const char* key, T otherwise = 0) {
  const auto it = body.find(key);
  return it != body.end() && it->is_number() ? it->get<T>() : otherwise;
}

std::optional<double> optional_number(const nlohmann::json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// The worker's words[]: {"word", "start_ms", "end_ms", "probability"?}; an entry without a word
// or its times is left out (a time that is not there is not 0).
std::vector<TimedWord> words_of(const nlohmann::json& body) {
  std::vector<TimedWord> out;
  const auto it = body.find("words");
  if (it == body.end() || !it->is_array()) return out;
  for (const auto& w : *it) {
    if (!w.is_object()) continue;
    const auto word = w.find("word"), start = w.find("start_ms"), end = w.find("end_ms");
    if (word == w.end() || !word->is_string() || start == w.end() || !start->is_number() || end == w.end() ||
        !end->is_number()) {
      continue;
    }
    out.push_back(TimedWord{word->get<std::string>(), start->get<int64_t>(), end->get<int64_t>(),
                            optional_number(w, "probability")});
  }
  return out;
}

FinalText final_of(const nlohmann::json& body) {
  FinalText f;
  f.text = text_of(body);
  f.start_ms = number_of<int64_t>(body, "start_ms");
  f.end_ms = number_of<int64_t>(body, "end_ms", f.start_ms);
  f.latency_ms = optional_number(body, "latency_ms");
  f.avg_logprob = optional_number(body, "avg_logprob");
  f.no_speech_prob = optional_number(body, "no_speech_prob");
  f.compression_ratio = optional_number(body, "compression_ratio");
  f.temperature = optional_number(body, "temperature");
  f.language = string_of(body, "language");
  f.words = words_of(body);
  return f;
}

}  // namespace

TimedText timed_text(const FinalText& f) { return TimedText{f.start_ms, f.end_ms, f.text, f.words}; }

std::optional<TranscriptEvent> transcript_event(const Event& e, std::string_view recording) {
  const nlohmann::json& body = *e.body;
  if (!body.is_object() || !names_recording(body, recording)) return std::nullopt;
  if (e.type == "speech_start") return SpeechStarted{number_of<int64_t>(body, "audio_ms")};
  if (e.type == "speech_end") return SpeechEnded{number_of<int64_t>(body, "audio_ms")};
  if (e.type == "partial_text") return PartialText{text_of(body), number_of<int64_t>(body, "audio_ms")};
  if (e.type == "final_text") return final_of(body);
  if (e.type == "recording_stopped") {
    return RecordingEnded{string_of(body, "reason"), string_of(body, "error"),
                          number_of<uint64_t>(body, "frames_captured"), number_of<uint64_t>(body, "frames_acked"),
                          number_of<uint64_t>(body, "frames_lost")};
  }
  return std::nullopt;
}

}  // namespace vs
