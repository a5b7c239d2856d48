// Event is one thing that happened, as subscribers see it: a worker line (ready, pong,
// partial_text, ...) or a sidecar event (worker_state, recording_stopped, ...).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace vs {

struct Event {
  uint64_t id = 0;          // assigned by the EventBus on publish; increases by 1 per event
  std::string type;         // same as body["type"]
  nlohmann::json body;      // the whole JSON object, including "type"
  WallTime at{};            // when it was published
};

}  // namespace vs
