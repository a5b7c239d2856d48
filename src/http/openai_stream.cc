#include "http/openai_stream.h"

#include "http/openai_reply.h"

namespace vs {

ReplyStream::Pull OpenAiTranscriptStream::pull(std::string& out, size_t) {
  if (ended_) return Pull::End;
  std::vector<FinalText> fresh;
  const bool complete = collector_->read(sent_, fresh);
  for (const FinalText& f : fresh) {
    out += transcript_delta_frame(f.text, !any_text_);
    any_text_ = true;
  }
  sent_ += fresh.size();
  if (complete) {
    const TranscriptCollector::Result result = collector_->result();
    if (auto error = judge_(result)) {
      out += transcript_error_frame(*error);
    } else {
      out += transcript_done_frame(joined_text(timed_texts(result.finals)));
    }
    ended_ = true;
  }
  return out.empty() ? Pull::Idle : Pull::Data;
}

bool OpenAiTranscriptStream::wake_when_ready(std::function<void()> wake) {
  if (ended_) return false;
  return collector_->wake_when(sent_, std::move(wake));
}

}  // namespace vs
