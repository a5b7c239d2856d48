#include "common/subtitles.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string_view>

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

// Characters as a reader counts them: UTF-8 code points (continuation bytes do not count).
size_t chars(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// One word of a cue: its text without blanks, whether it follows the word before without a
// space (a piece of the same word, or a script written without spaces), and its times.
struct Piece {
  std::string text;
  bool glued = false;
  long long start_ms = 0, end_ms = 0;
};

// The final's words (clamped_words): a cue built from them never starts before the final, ends
// after it, or runs backwards.
std::vector<Piece> timed_pieces(const TimedText& f) {
  std::vector<Piece> out;
  for (const TimedWord& w : clamped_words(f)) {
    out.push_back(Piece{std::string(trim(w.text)), !out.empty() && !is_blank(w.text.front()), w.start_ms, w.end_ms});
  }
  return out;
}

// The final's text split at blanks, its span shared among the words in proportion to their
// characters (the blank before a word counts with it): the whole text keeps the whole span.
std::vector<Piece> spread_pieces(const TimedText& f) {
  std::vector<Piece> out;
  const std::string_view text = trim(f.text);
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && is_blank(text[i])) ++i;
    size_t j = i;
    while (j < text.size() && !is_blank(text[j])) ++j;
    if (j > i) out.push_back(Piece{std::string(text.substr(i, j - i))});
    i = j;
  }
  size_t total = 0;
  for (const Piece& p : out) total += chars(p.text) + (total ? 1 : 0);
  const long long span = std::max(0LL, f.end_ms - f.start_ms);
  const auto at = [&](size_t offset) {
    return f.start_ms + (total ? static_cast<long long>(static_cast<double>(span) * offset / total + 0.5) : 0);
  };
  size_t offset = 0;
  for (Piece& p : out) {
    p.start_ms = at(offset);
    offset += chars(p.text);
    p.end_ms = at(offset);
    ++offset;  // the blank after it
  }
  return out;
}

// The width of the words [a, b) on one line.
size_t width(const std::vector<Piece>& p, size_t a, size_t b) {
  size_t w = 0;
  for (size_t i = a; i < b; ++i) w += chars(p[i].text) + (i > a && !p[i].glued ? 1 : 0);
  return w;
}

// Where the words [a, b) break into two lines: b when one line holds them; else the break that
// makes the longer line shortest (the top line the shorter on a tie: the eye reads down); nothing
// when two lines cannot hold them.
std::optional<size_t> line_break(const std::vector<Piece>& p, size_t a, size_t b, size_t line_chars) {
  if (width(p, a, b) <= line_chars) return b;
  std::optional<size_t> best;
  size_t best_longest = 0;
  for (size_t k = a + 1; k < b; ++k) {
    const size_t top = width(p, a, k), bottom = width(p, k, b);
    if (top > line_chars || bottom > line_chars) continue;
    const size_t longest = std::max(top, bottom);
    if (!best || longest < best_longest || (longest == best_longest && top <= bottom)) {
      best = k;
      best_longest = longest;
    }
  }
  return best;
}

std::string line_text(const std::vector<Piece>& p, size_t a, size_t b) {
  std::string out;
  for (size_t i = a; i < b; ++i) out += (i > a && !p[i].glued ? " " : "") + p[i].text;
  return out;
}

bool ends_with_any(const std::string& text, std::string_view marks) {
  return !text.empty() && marks.find(text.back()) != std::string_view::npos;
}

// A cue the limits cut at `b` ends instead after the last sentence (else clause) that ends in
// its second half, so that a new sentence starts a new cue rather than the tail of the last one
// opening it ("us. And then...").
size_t natural_end(const std::vector<Piece>& p, size_t a, size_t b) {
  const size_t half = width(p, a, b) / 2;
  for (std::string_view marks : {std::string_view(".?!"), std::string_view(",;:")}) {
    for (size_t k = b - 1; k > a && width(p, a, k) >= half; --k) {
      if (ends_with_any(p[k - 1].text, marks)) return k;
    }
  }
  return b;
}

// The words [a, b) as one cue.
TimedText cue(const std::vector<Piece>& p, size_t a, size_t b, size_t line_chars) {
  const size_t k = line_break(p, a, b, line_chars).value_or(b);  // one word longer than a line: as it is
  std::string text = line_text(p, a, k);
  if (k < b) text += "\n" + line_text(p, k, b);
  return TimedText{p[a].start_ms, p[b - 1].end_ms, std::move(text)};
}

}  // namespace

std::vector<TimedWord> clamped_words(const TimedText& f) {
  std::vector<TimedWord> out;
  const long long end = std::max(f.start_ms, f.end_ms);
  long long floor = f.start_ms;
  for (const TimedWord& w : f.words) {
    if (blank(w.text)) continue;
    TimedWord c = w;
    c.start_ms = std::clamp(w.start_ms, floor, end);
    c.end_ms = std::clamp(w.end_ms, c.start_ms, end);
    floor = c.end_ms;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<TimedText> subtitle_cues(const std::vector<TimedText>& finals, const CueLimits& limits) {
  std::vector<TimedText> out;
  for (const TimedText& f : finals) {
    std::vector<Piece> p = timed_pieces(f);
    const bool timed = !p.empty();
    if (!timed) p = spread_pieces(f);
    // Greedy: a cue takes words while two lines hold them and, when they are timed, they fit
    // in the time limit; its first word always (a word is never split). Cut short by a limit,
    // it ends where a sentence does, if one does in its second half.
    for (size_t a = 0; a < p.size();) {
      size_t b = a + 1;
      while (b < p.size() && line_break(p, a, b + 1, limits.line_chars) &&
             (!timed || p[b].end_ms - p[a].start_ms <= limits.max_ms)) {
        ++b;
      }
      if (b < p.size()) b = natural_end(p, a, b);
      out.push_back(cue(p, a, b, limits.line_chars));
      a = b;
    }
  }
  return out;
}

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
