#include "ipc/wire_messages.h"

#include <array>
#include <bit>
#include <charconv>
#include <vector>

#include "common/json_text.h"
#include "ipc/base64.h"

namespace vs {
namespace {

constexpr std::string_view kFrameHead = R"({"type":"audio_frame","seq":)";
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

size_t audio_frame_line_size(uint64_t seq, size_t samples) {
  return kFrameHead.size() + decimal_digits(seq) + kFrameData.size() +
         base64_encoded_size(samples * sizeof(int16_t)) + kFrameTail.size();
}

void append_audio_frame_line(std::string& out, uint64_t seq, std::span<const int16_t> pcm) {
  out.reserve(out.size() + audio_frame_line_size(seq, pcm.size()));
  out.append(kFrameHead);
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

std::string flush_line() { return "{\"type\":\"flush\"}\n"; }
std::string shutdown_line() { return "{\"type\":\"shutdown\"}\n"; }

bool is_known_worker_type(std::string_view type) {
  static constexpr std::array<std::string_view, 9> kKnown = {
      "ready",      "pong",       "speech_start", "speech_end", "partial_text",
      "final_text", "no_speech",  "ack",          "error"};
  for (const auto k : kKnown) {
    if (k == type) return true;
  }
  return false;
}

ParsedLine parse_worker_line(std::string_view line) {
  ParsedLine out;
  // No exceptions: a bad line becomes a discarded value, counted by the caller, and reading goes on.
  nlohmann::json body = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) return out;
  const auto it = body.find("type");
  if (it == body.end() || !it->is_string()) return out;
  out.kind = is_known_worker_type(it->get_ref<const std::string&>()) ? LineKind::Known
                                                                      : LineKind::Unknown;
  out.body = std::move(body);
  return out;
}

}  // namespace vs
