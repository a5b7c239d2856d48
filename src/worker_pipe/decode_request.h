// DecodeRequest is how one recording asks to be decoded, where its door has the fields (the
// recording body, OpenAI's model/language/prompt/temperature/timestamp_granularities, Wyoming's
// transcribe {name, language}). An empty field keeps the worker's own stt.* setting. It goes to
// the worker as the stream's stream_options line before its first frame (wire_messages.h).
//
//   DecodeRequest d{.model = "base", .language = "fr"};
//   if (!d.empty()) sink.send_stream_options(stream, d);
#pragma once

#include <optional>
#include <string>

namespace vs {

struct DecodeRequest {
  std::string model;                    // a catalog name or a directory the worker can load
  std::string language;                 // a code, or "auto"
  std::string prompt;                   // names, spellings, style to continue from
  std::optional<double> temperature;    // 0..1
  std::optional<bool> word_timestamps;  // per-word times in its finals

  bool empty() const {
    return model.empty() && language.empty() && prompt.empty() && !temperature && !word_timestamps;
  }
};

}  // namespace vs
