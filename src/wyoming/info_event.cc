#include "wyoming/info_event.h"

#include "common/version.h"

namespace vs {

WyomingEvent info_event(const ModelInfo& m) {
  // Before any worker was ready the bundled worker's model is what will answer.
  const std::string engine = m.engine.empty() ? "faster-whisper" : m.engine;
  const std::string model = m.model.empty() ? "tiny.en" : m.model;
  const nlohmann::json model_attribution = {{"name", "OpenAI Whisper via SYSTRAN faster-whisper"},
                                            {"url", "https://github.com/SYSTRAN/faster-whisper"}};
  const nlohmann::json asr_model = {
      {"name", model},
      {"attribution", model_attribution},
      {"installed", true},
      {"description", engine + " " + model + " (English)"},
      {"version", model},
      {"languages", nlohmann::json::array({"en"})},
  };
  const nlohmann::json program = {
      {"name", "voice-sidecar"},
      {"attribution", {{"name", "voice-sidecar"}, {"url", "https://github.com/SYSTRAN/faster-whisper"}}},
      {"installed", true},
      {"description", "voice-sidecar: supervised " + engine + " speech-to-text with streaming partials"},
      {"version", std::string(kVersion)},
      {"models", nlohmann::json::array({asr_model})},
      {"supports_transcript_streaming", true},
      // The worker runs its own VAD and finishes an utterance at a pause.
      {"requires_external_vad", false},
  };
  nlohmann::json data = {{"asr", nlohmann::json::array({program})}};
  for (const char* kind : {"tts", "handle", "intent", "wake", "mic", "snd"}) data[kind] = nlohmann::json::array();
  return WyomingEvent{"info", std::move(data)};
}

}  // namespace vs
