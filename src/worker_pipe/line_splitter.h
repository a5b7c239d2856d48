// LineSplitter turns a byte stream into '\n'-terminated lines with a hard cap per line.
//
// It is the framing of the worker protocol (DESIGN.md §3: a line is at most 1 MiB) and holds at
// most max_line_bytes of a partial line: a longer line is counted once, as soon as it crosses
// the cap, and its remaining bytes are dropped up to the next '\n' without being buffered, so a
// worker that never ends a line cannot make the daemon grow. Pure (no I/O), so it is unit-tested
// on its own.
//
//   LineSplitter split(1 << 20);
//   split.feed(chunk, [&](std::string_view line) { ... });   // line has no '\n'
//   split.finish(on_line);                                     // at EOF: an unterminated tail
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace vs {

class LineSplitter {
 public:
  using OnLine = std::function<void(std::string_view)>;

  explicit LineSplitter(size_t max_line_bytes);

  // Calls on_line for every line completed by `chunk` whose length (without '\n') is at most
  // max_line_bytes. The view is valid only during the call.
  void feed(std::string_view chunk, const OnLine& on_line);

  // End of input: hands over a final line that had no '\n' (if it fit), then resets.
  void finish(const OnLine& on_line);

  uint64_t oversized_lines() const { return oversized_; }  // since construction
  // Lines that became oversized since the previous call (or construction); for a caller that
  // adds them to a counter after each feed().
  uint64_t take_new_oversized() {
    const uint64_t n = oversized_ - oversized_taken_;
    oversized_taken_ = oversized_;
    return n;
  }
  size_t buffered_bytes() const { return partial_.size(); }

 private:
  size_t max_;
  std::string partial_;     // start of a line still waiting for its '\n'
  bool discarding_ = false; // inside an oversized line: drop bytes up to the next '\n'
  uint64_t oversized_ = 0;
  uint64_t oversized_taken_ = 0;  // oversized_ at the last take_new_oversized()
};

}  // namespace vs
