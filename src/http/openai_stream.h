// The body of POST /v1/audio/transcriptions with stream=true: Server-Sent Events in OpenAI's
// shape, written as the recording's finals arrive. One `transcript.text.delta` per final, then
// `transcript.text.done` with the whole text (or an `error` event), then the stream ends. The
// server pulls it as its client reads, like the event stream: no thread waits on it.
//
//   r.stream = std::make_shared<OpenAiTranscriptStream>(collector, outcome);
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "http/http_types.h"
#include "http/openai_request.h"
#include "http/transcript_collector.h"

namespace vs {

class OpenAiTranscriptStream : public ReplyStream {
 public:
  // `judge` turns the finished recording into an error (or nullopt when it went well).
  using Judge = std::function<std::optional<OpenAiError>(const TranscriptCollector::Result&)>;
  // `cancel` stops the recording when the client leaves before the transcript's end.
  OpenAiTranscriptStream(std::shared_ptr<TranscriptCollector> collector, Judge judge,
                         std::function<void()> cancel = {})
      : collector_(std::move(collector)), judge_(std::move(judge)), cancel_(std::move(cancel)) {}

  Pull pull(std::string& out, size_t max_bytes) override;
  bool wake_when_ready(std::function<void()> wake) override;
  void abandon() override {
    if (!ended_ && cancel_) cancel_();
  }

 private:
  std::shared_ptr<TranscriptCollector> collector_;
  Judge judge_;
  std::function<void()> cancel_;
  size_t sent_ = 0;      // finals written as deltas
  bool any_text_ = false;
  bool ended_ = false;   // the done (or error) event is written
};

}  // namespace vs
