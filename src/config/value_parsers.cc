#include "config/value_parsers.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "common/json_text.h"
#include "common/strings.h"

namespace vs::config_detail {

std::optional<bool> parse_bool(std::string_view text) {
  const std::string t = to_lower(text);
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t == "0" || t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view text) {
  // from_chars takes no '+', blanks or hex here, but would take "inf"/"nan": a threshold of
  // infinity is never what anyone meant.
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<unsigned> parse_mode(std::string_view text) {
  int base = 10;
  if (text.starts_with("0o") || text.starts_with("0O")) {
    text.remove_prefix(2);
    base = 8;
  } else if (text.size() > 1 && text.front() == '0') {
    base = 8;
  }
  unsigned value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || ec != std::errc{} || ptr != end || value > 07777) return std::nullopt;
  return value;
}

// Why not a library: boost::program_options::split_unix is not header-only (its compiled library
// is not linked into vs_config, and only a 1.74 runtime without headers of that version is
// installed); boost::tokenizer's escaped_list_separator neither collapses runs of blanks nor
// tells '' from nothing; wordexp(3) also expands $VARS, ~ and globs. So this is the small subset
// of POSIX word splitting the reference's WORKER_COMMAND needs: blanks separate words, '…' is
// literal, "…" honours \" \\ \$ \`, a backslash outside quotes escapes the next character.
// Nothing is expanded, and no shell ever sees the text.
std::vector<std::string> split_command_line(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      const size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) throw std::invalid_argument("unterminated ' quote");
      word.append(text.substr(i + 1, close - i - 1));
      i = close;
      in_word = true;
    } else if (c == '"') {
      ++i;
      for (;; ++i) {
        if (i >= text.size()) throw std::invalid_argument("unterminated \" quote");
        if (text[i] == '"') break;
        if (text[i] == '\\' && i + 1 < text.size() &&
            std::string_view("\"\\$`").find(text[i + 1]) != std::string_view::npos) {
          ++i;
        }
        word.push_back(text[i]);
      }
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) throw std::invalid_argument("trailing backslash");
      word.push_back(text[++i]);
      in_word = true;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string json_quoted(std::string_view text) {
  return dump_json(std::string(text));
}

std::string format_double(double value) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc{}) return "?";
  return std::string(buf, ptr);
}

std::string format_mode(unsigned mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

}  // namespace vs::config_detail
