// Whether an event belongs to a recording: its body names it ("recording": id). The one test
// every reader of one recording's events uses (TranscriptStream, GET /v1/events?recording=),
// so none finds its events by position.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace vs {

inline bool names_recording(const nlohmann::json& body, std::string_view recording) {
  const auto it = body.find("recording");
  return it != body.end() && it->is_string() && it->get_ref<const std::string&>() == recording;
}

}  // namespace vs
