// WyomingEvent is one event of the Wyoming protocol (Home Assistant's speech protocol) as the
// `wyoming` Python package (1.10) models it: a type, a JSON object of data, and an optional
// binary payload (PCM audio for audio-chunk). Plain value; see frame_codec.h for the wire form.
//
//   WyomingEvent e{"transcript", {{"text", "hello"}}};
//
// Internal to src/wyoming: includes nlohmann/json.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace vs {

struct WyomingEvent {
  WyomingEvent() = default;
  explicit WyomingEvent(std::string t, nlohmann::json d = nlohmann::json::object(), std::string p = {})
      : type(std::move(t)), data(d.is_null() ? nlohmann::json::object() : std::move(d)), payload(std::move(p)) {}

  std::string type;
  nlohmann::json data = nlohmann::json::object();  // always an object
  std::string payload;                             // raw bytes; empty = none
};

// The package version our header lines carry (the package writes its own in "version").
inline constexpr const char* kWyomingProtocolVersion = "1.10.2";

}  // namespace vs
