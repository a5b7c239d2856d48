// Event is one thing that happened, as subscribers see it: a worker line (ready, pong,
// partial_text, ...) or a sidecar event (worker_state, recording_stopped, ...).
//
// Events are immutable once published and shared, never copied, on the hot path: the bus keeps
// one std::shared_ptr<const Event> per event and every subscriber reads that same object, so a
// burst of partial_text events costs one allocation each, not one JSON copy per subscriber.
// The body is shared too (shared_ptr<const json>): the supervisor's forwarder republishes a
// worker event on the daemon bus as a new Event (ids are per bus) that points at the same body.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace vs {

struct Event {
  uint64_t id = 0;   // assigned by the EventBus on publish; increases by 1 per event
  std::string type;  // same as (*body)["type"]
  // The whole JSON object, including "type"; never null in a published event. Possibly shared
  // with the same event on another bus, so it is const.
  std::shared_ptr<const nlohmann::json> body;
  WallTime at{};  // when it was published
  size_t bytes = 0;  // its size for the bus's byte budget (the wire line's length, or an estimate)
};

// The size assumed for an event published without one (sidecar events are small).
constexpr size_t kSmallEventBytes = 256;

}  // namespace vs
