#include "worker_pipe/wire_messages.h"

#include <array>
#include <bit>
#include <charconv>
#include <vector>

#include "common/json_text.h"
#include "worker_pipe/base64.h"

namespace vs {
namespace {

constexpr std::string_view kFrameHead = R"({"type":"audio_frame",)";
constexpr std::string_view kFrameStream = R"("stream":")";
constexpr std::string_view kFrameSeq = R"("seq":)";
constexpr std::string_view kFrameData = R"(,"data":")";
constexpr std::string_view kFrameTail = R"(","sample_rate":16000,"channels":1})"
                                        "\n";

size_t decimal_digits(uint64_t v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

}  // namespace

size_t audio_frame_line_size(std::string_view stream, uint64_t seq, size_t samples) {
  const size_t stream_bytes = stream.empty() ? 0 : kFrameStream.size() + stream.size() + 2;  // "",
  return kFrameHead.size() + stream_bytes + kFrameSeq.size() + decimal_digits(seq) + kFrameData.size() +
         base64_encoded_size(samples * sizeof(int16_t)) + kFrameTail.size();
}

void append_audio_frame_line(std::string& out, std::string_view stream, uint64_t seq, std::span<const int16_t> pcm) {
  out.reserve(out.size() + audio_frame_line_size(stream, seq, pcm.size()));
  out.append(kFrameHead);
  if (!stream.empty()) {
    out.append(kFrameStream);
    out.append(stream);
    out.append("\",");
  }
  out.append(kFrameSeq);
  std::array<char, 24> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), seq);
  (void)ec;  // 24 chars always hold a uint64_t
  out.append(digits.data(), end);
  out.append(kFrameData);
  if constexpr (std::endian::native == std::endian::little) {
    base64_append(out, pcm.data(), pcm.size_bytes());
  } else {
    std::vector<uint8_t> le(pcm.size_bytes());
    for (size_t i = 0; i < pcm.size(); ++i) {
      const auto u = static_cast<uint16_t>(pcm[i]);
      le[2 * i] = static_cast<uint8_t>(u & 0xff);
      le[2 * i + 1] = static_cast<uint8_t>(u >> 8);
    }
    base64_append(out, le.data(), le.size());
  }
  out.append(kFrameTail);
}

std::string ping_line(const std::string& id) {
  const nlohmann::json msg = {{"type", "ping"}, {"id", id}};
  // replace: an id with invalid UTF-8 must not throw on the caller's thread
  return dump_json(msg) + "\n";
}

std::string flush_line(std::string_view stream) {
  if (stream.empty()) return "{\"type\":\"flush\"}\n";
  const nlohmann::json msg = {{"type", "flush"}, {"stream", stream}};
  return dump_json(msg) + "\n";
}
std::string shutdown_line() { return "{\"type\":\"shutdown\"}\n"; }

std::string stream_options_line(std::string_view stream, const DecodeRequest& request) {
  nlohmann::ordered_json msg = {{"type", "stream_options"}};
  if (!stream.empty()) msg["stream"] = stream;
  if (!request.model.empty()) msg["model"] = request.model;
  if (!request.language.empty()) msg["language"] = request.language;
  if (!request.prompt.empty()) msg["prompt"] = request.prompt;
  if (request.temperature) msg["temperature"] = *request.temperature;
  if (request.word_timestamps) msg["word_timestamps"] = *request.word_timestamps;
  // replace: a prompt with invalid UTF-8 must not throw on the pump's thread
  return msg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<WorkerMessageType> worker_message_type(std::string_view type) {
  using T = WorkerMessageType;
  static constexpr std::array<std::pair<std::string_view, T>, 10> kTypes = {{
      {"ready", T::Ready},           {"pong", T::Pong},
      {"speech_start", T::SpeechStart}, {"speech_end", T::SpeechEnd},
      {"partial_text", T::PartialText}, {"final_text", T::FinalText},
      {"no_speech", T::NoSpeech},    {"ack", T::Ack},
      {"error", T::Error},           {"stream_closed", T::StreamClosed},
  }};
  for (const auto& [name, t] : kTypes) {
    if (name == type) return t;
  }
  return std::nullopt;
}

bool is_known_worker_type(std::string_view type) { return worker_message_type(type).has_value(); }

int64_t WorkerMessage::ack_seq() const {
  const auto it = body->find("seq");
  return it != body->end() && it->is_number_integer() ? it->get<int64_t>() : -1;
}

std::optional<uint64_t> WorkerMessage::ack_received() const {
  const auto it = body->find("received");
  if (it == body->end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

int WorkerMessage::protocol() const {
  const auto it = body->find("protocol");
  return it != body->end() && it->is_number_integer() ? static_cast<int>(it->get<int64_t>()) : 1;
}

std::string WorkerMessage::string_field(const char* key) const {
  const auto it = body->find(key);
  return it != body->end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool WorkerMessage::fatal_error() const {
  if (type != WorkerMessageType::Error) return false;
  const auto it = body->find("recoverable");
  return it != body->end() && it->is_boolean() && !it->get<bool>();
}

ParsedLine parse_worker_line(std::string_view line) {
  ParsedLine out;
  // No exceptions: a bad line becomes a discarded value, counted by the caller, and reading goes on.
  nlohmann::json body = parse_json(line);
  if (body.is_discarded() || !body.is_object()) return out;
  const auto it = body.find("type");
  if (it == body.end() || !it->is_string()) return out;
  // A stream id is a non-empty string of at most kMaxStreamIdBytes: anything else names no stream.
  if (const auto stream = body.find("stream"); stream != body.end()) {
    if (!stream->is_string() || stream->get_ref<const std::string&>().empty() ||
        stream->get_ref<const std::string&>().size() > kMaxStreamIdBytes) {
      return out;
    }
  }
  const auto type = worker_message_type(it->get_ref<const std::string&>());
  out.kind = type ? LineKind::Known : LineKind::Unknown;
  if (type) out.type = *type;
  out.body = std::move(body);
  return out;
}

}  // namespace vs
