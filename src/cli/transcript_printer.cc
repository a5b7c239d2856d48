#include "cli/transcript_printer.h"

#include <nlohmann/json.hpp>

#include "common/json_text.h"

namespace vs {
namespace {

std::string text_of(const nlohmann::json& e) {
  const auto it = e.find("text");
  return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
}

long long ms_of(const nlohmann::json& e, const char* key) {
  const auto it = e.find(key);
  return it != e.end() && it->is_number() ? it->get<long long>() : 0;
}

}  // namespace

std::string clock_text(long long ms) {
  if (ms < 0) ms = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld.%lld", ms / 60000, (ms / 1000) % 60, (ms / 100) % 10);
  return buf;
}

void TranscriptPrinter::clear_partial() {
  if (!partial_on_screen_) return;
  std::fputs("\r\033[K", out_);
  partial_on_screen_ = false;
}

void TranscriptPrinter::on_event(const nlohmann::json& e) {
  const std::string type = e.value("type", "");
  if (type == "final_text") {
    ++finals_;
    if (const auto it = e.find("latency_ms"); it != e.end() && it->is_number()) latencies_.push_back(it->get<double>());
  }
  if (style_ == Style::Json) {
    std::fputs((dump_json(e) + "\n").c_str(), out_);
    std::fflush(out_);
    return;
  }
  if (type == "partial_text" && style_ == Style::Terminal) {
    clear_partial();
    // Dim, on one line that the next partial or the final replaces.
    std::fprintf(out_, "\033[2m[%s] %s\033[0m", clock_text(ms_of(e, "audio_ms")).c_str(), text_of(e).c_str());
    partial_on_screen_ = true;
  } else if (type == "final_text") {
    const std::string text = text_of(e);
    if (style_ == Style::Terminal) {
      clear_partial();
      if (!text.empty()) {
        std::fprintf(out_, "[%s] %s\n", clock_text(ms_of(e, "start_ms")).c_str(), text.c_str());
      }
    } else if (!text.empty()) {
      std::fprintf(out_, "%s\n", text.c_str());
    }
  } else if (type == "stt_error" || type == "audio_lost" || (type == "error" && !e.value("recoverable", true))) {
    clear_partial();
    std::fprintf(stderr, "voice-sidecar: %s\n", dump_json(e).c_str());
  }
  std::fflush(out_);
}

void TranscriptPrinter::finish() {
  clear_partial();
  std::fflush(out_);
}

}  // namespace vs
