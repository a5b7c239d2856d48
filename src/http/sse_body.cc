#include "http/sse_body.h"

#include <variant>

#include "events/recording_scope.h"

namespace vs {

std::string sse_frame(const Event& e) {
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + dump_json(*e.body) + "\n\n";
}

bool SseBody::wanted(const Event& e) {
  if (recording_.empty()) return true;
  if (!names_recording(*e.body, recording_)) return false;
  if (e.type == "recording_stopped") ended_ = true;
  return true;
}

ReplyStream::Pull SseBody::pull(std::string& out, size_t max_bytes) {
  if (ended_) return Pull::End;
  if (!greeted_) {
    greeted_ = true;
    out += ": voice-sidecar event stream\n\n";
  }
  const size_t before = out.size();
  while (out.size() - before < max_bytes) {
    NextResult next = events_.poll();
    if (auto* e = std::get_if<EventPtr>(&next)) {
      if (!wanted(**e)) continue;
      out += sse_frame(**e);
      if (ended_) return Pull::Data;
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
