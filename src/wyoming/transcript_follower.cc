#include "wyoming/transcript_follower.h"


namespace vs {
namespace {

std::string joined(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + " " + b;
}

// A partial's words but the last, which the next partial may still extend ("fo" → "fox").
std::string settled_words(const std::string& partial) {
  const auto space = partial.find_last_of(' ');
  return space == std::string::npos ? std::string() : partial.substr(0, space);
}

}  // namespace

void TranscriptFollower::announce(std::vector<WyomingEvent>& out) {
  if (announced_) return;
  announced_ = true;
  out.push_back(WyomingEvent{"transcript-start", {{"language", "en"}}});
}

void TranscriptFollower::stream_up_to(const std::string& known, std::vector<WyomingEvent>& out) {
  if (known.size() <= streamed_.size() || known.compare(0, streamed_.size(), streamed_) != 0) return;
  announce(out);
  out.push_back(WyomingEvent{"transcript-chunk", {{"text", known.substr(streamed_.size())}}});
  streamed_ = known;
}

std::vector<WyomingEvent> TranscriptFollower::on_event(const TranscriptEvent& e) {
  std::vector<WyomingEvent> out;
  if (stopped_) return out;
  if (std::holds_alternative<SpeechStarted>(e)) {
    announce(out);
  } else if (const auto* partial = std::get_if<PartialText>(&e)) {
    const std::string words = settled_words(partial->text);
    if (!words.empty()) stream_up_to(joined(committed_, words), out);
  } else if (const auto* final_text = std::get_if<FinalText>(&e)) {
    committed_ = joined(committed_, final_text->text);
    // A chunk boundary between utterances: the next utterance's text starts after a space.
    stream_up_to(committed_, out);
  } else if (const auto* ended = std::get_if<RecordingEnded>(&e)) {
    stopped_ = true;
    stop_reason_ = ended->reason;
  }
  return out;
}

std::vector<WyomingEvent> TranscriptFollower::finish() {
  std::vector<WyomingEvent> out;
  announce(out);
  out.push_back(WyomingEvent{"transcript", {{"text", committed_}, {"language", "en"}}});
  out.push_back(WyomingEvent{"transcript-stop"});
  return out;
}

}  // namespace vs
