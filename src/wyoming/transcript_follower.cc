#include "wyoming/transcript_follower.h"

#include "common/strings.h"
#include "events/recording_scope.h"

namespace vs {
namespace {

std::string joined(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + " " + b;
}

std::string text_of(const nlohmann::json& body) {
  const auto it = body.find("text");
  return it != body.end() && it->is_string() ? std::string(trim(it->get_ref<const std::string&>())) : std::string();
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

std::vector<WyomingEvent> TranscriptFollower::on_event(const nlohmann::json& body) {
  std::vector<WyomingEvent> out;
  if (stopped_ || !body.is_object()) return out;
  if (!names_recording(body, recording_)) return out;
  const std::string type = body.value("type", "");
  if (type == "speech_start") {
    announce(out);
  } else if (type == "partial_text") {
    const std::string words = settled_words(text_of(body));
    if (!words.empty()) stream_up_to(joined(committed_, words), out);
  } else if (type == "final_text") {
    committed_ = joined(committed_, text_of(body));
    // A chunk boundary between utterances: the next utterance's text starts after a space.
    stream_up_to(committed_, out);
  } else if (type == "recording_stopped") {
    stopped_ = true;
    stop_reason_ = body.value("reason", "");
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
