// TranscriptPrinter turns the event stream of one recording into what a person reads (or, with
// json, one JSON line per event). Pure formatting: it writes to the FILE* it is given.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace vs {

class TranscriptPrinter {
 public:
  enum class Style { Terminal, Lines, Json };
  TranscriptPrinter(std::FILE* out, Style style) : out_(out), style_(style) {}

  void on_event(const nlohmann::json& event);
  // Clears a partial line still on screen (Terminal).
  void finish();

  const std::vector<double>& final_latencies_ms() const { return latencies_; }
  size_t finals() const { return finals_; }

 private:
  void clear_partial();

  std::FILE* out_;
  Style style_;
  bool partial_on_screen_ = false;
  size_t finals_ = 0;
  std::vector<double> latencies_;
};

// "1:02.5" for 62500 ms.
std::string clock_text(long long ms);

}  // namespace vs
