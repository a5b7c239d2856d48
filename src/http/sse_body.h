// SseBody is the body of GET /v1/events: it turns an EventStream into Server-Sent Events frames
// as fast as the client takes them, and never makes anyone wait — a reader that falls behind
// the bus's ring is told how many events it missed with a `lagged` event and carries on.
//
// Given a recording's id, it passes only that recording's events ("recording": id) and ends
// after its recording_stopped (GET /v1/events?recording=ID).
//
//   HttpReply r;
//   r.stream = std::make_shared<SseBody>(bus.subscribe());
#pragma once

#include <functional>
#include <string>

#include "events/event_bus.h"
#include "http/http_types.h"

namespace vs {

class SseBody : public ReplyStream {
 public:
  explicit SseBody(EventStream events, std::string recording = {})
      : events_(std::move(events)), recording_(std::move(recording)) {}

  Pull pull(std::string& out, size_t max_bytes) override;
  bool wake_when_ready(std::function<void()> wake) override { return events_.wake_when_ready(std::move(wake)); }

 private:
  bool wanted(const Event& e);  // false for another recording's event; notes our recording's end

  EventStream events_;
  const std::string recording_;  // empty: every event
  bool greeted_ = false;
  bool ended_ = false;  // the recording's recording_stopped went out
};

// One event as an SSE frame: "id: N\nevent: TYPE\ndata: JSON\n\n".
std::string sse_frame(const Event& e);

}  // namespace vs
