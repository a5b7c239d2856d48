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

}  // namespace

std::optional<TranscriptEvent> transcript_event(const Event& e, std::string_view recording) {
  const nlohmann::json& body = *e.body;
  if (!body.is_object() || !names_recording(body, recording)) return std::nullopt;
  if (e.type == "speech_start") return SpeechStarted{number_of<int64_t>(body, "audio_ms")};
  if (e.type == "speech_end") return SpeechEnded{number_of<int64_t>(body, "audio_ms")};
  if (e.type == "partial_text") return PartialText{text_of(body), number_of<int64_t>(body, "audio_ms")};
  if (e.type == "final_text") {
    FinalText f{text_of(body), number_of<int64_t>(body, "start_ms"), 0, std::nullopt};
    f.end_ms = number_of<int64_t>(body, "end_ms", f.start_ms);
    if (const auto it = body.find("latency_ms"); it != body.end() && it->is_number()) f.latency_ms = it->get<double>();
    return f;
  }
  if (e.type == "recording_stopped") {
    return RecordingEnded{string_of(body, "reason"), string_of(body, "error"),
                          number_of<uint64_t>(body, "frames_captured"), number_of<uint64_t>(body, "frames_acked"),
                          number_of<uint64_t>(body, "frames_lost")};
  }
  return std::nullopt;
}

}  // namespace vs
