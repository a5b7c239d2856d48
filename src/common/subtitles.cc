#include "common/subtitles.h"

#include <algorithm>
#include <cstdio>

#include "common/strings.h"

namespace vs {
namespace {

// A blank line ends a cue in both formats, so a text holding one would end its cue early; and
// WebVTT forbids "-->" inside a cue's text.
std::string cue_text(const std::string& text, bool vtt) {
  std::string out;
  out.reserve(text.size());
  for (char c : trim(text)) {
    if (c == '\r') continue;
    if (c == '\n' && !out.empty() && out.back() == '\n') continue;
    out += c;
  }
  if (vtt) {
    for (size_t at = out.find("-->"); at != std::string::npos; at = out.find("-->", at)) out.replace(at, 3, "->");
  }
  return out;
}

std::string cues(const std::vector<TimedText>& items, bool vtt) {
  std::string out = vtt ? "WEBVTT\n\n" : "";
  const char sep = vtt ? '.' : ',';
  int number = 0;
  for (const TimedText& t : items) {
    const std::string text = cue_text(t.text, vtt);
    if (text.empty()) continue;
    ++number;
    if (!vtt) out += std::to_string(number) + "\n";
    out += subtitle_time(t.start_ms, sep) + " --> " + subtitle_time(std::max(t.start_ms, t.end_ms), sep) + "\n";
    out += text + "\n\n";
  }
  return out;
}

}  // namespace

std::string subtitle_time(long long ms, char millis_separator) {
  if (ms < 0) ms = 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld%c%03lld", ms / 3600000, (ms / 60000) % 60, (ms / 1000) % 60,
                millis_separator, ms % 1000);
  return buf;
}

std::string to_srt(const std::vector<TimedText>& items) { return cues(items, false); }

std::string to_vtt(const std::vector<TimedText>& items) { return cues(items, true); }

std::string joined_text(const std::vector<TimedText>& items) {
  std::string out;
  for (const TimedText& t : items) {
    const std::string text(trim(t.text));
    if (text.empty()) continue;
    if (!out.empty()) out += ' ';
    out += text;
  }
  return out;
}

}  // namespace vs
