#include "http/sse_body.h"

#include <variant>

namespace vs {

std::string sse_frame(const Event& e) {
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + dump_json(*e.body) + "\n\n";
}

ReplyStream::Pull SseBody::pull(std::string& out, size_t max_bytes) {
  if (!greeted_) {
    greeted_ = true;
    out += ": voice-sidecar event stream\n\n";
  }
  const size_t before = out.size();
  while (out.size() - before < max_bytes) {
    NextResult next = events_.poll();
    if (auto* e = std::get_if<EventPtr>(&next)) {
      out += sse_frame(**e);
    } else if (auto* lag = std::get_if<Lagged>(&next)) {
      out += "event: lagged\ndata: {\"missed\":" + std::to_string(lag->missed) + "}\n\n";
    } else if (std::holds_alternative<Closed>(next)) {
      return out.empty() ? Pull::End : Pull::Data;  // what was taken goes out first
    } else {
      break;
    }
  }
  return out.empty() ? Pull::Idle : Pull::Data;
}

}  // namespace vs
