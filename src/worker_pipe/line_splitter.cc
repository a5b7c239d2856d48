#include "worker_pipe/line_splitter.h"

namespace vs {

LineSplitter::LineSplitter(size_t max_line_bytes) : max_(max_line_bytes) {}

void LineSplitter::feed(std::string_view chunk, const OnLine& on_line) {
  size_t pos = 0;
  while (pos < chunk.size()) {
    const size_t nl = chunk.find('\n', pos);
    if (discarding_) {
      if (nl == std::string_view::npos) return;
      discarding_ = false;
      pos = nl + 1;
      continue;
    }
    const size_t end = nl == std::string_view::npos ? chunk.size() : nl;
    const std::string_view piece = chunk.substr(pos, end - pos);
    if (partial_.size() + piece.size() > max_) {
      ++oversized_;
      partial_.clear();
      if (partial_.capacity() > 64 * 1024) partial_.shrink_to_fit();  // don't pin 1 MiB per pipe
      if (nl == std::string_view::npos) {
        discarding_ = true;
        return;
      }
      pos = nl + 1;
      continue;
    }
    if (nl == std::string_view::npos) {
      partial_.append(piece);
      return;
    }
    if (partial_.empty()) {
      on_line(piece);  // common case: the whole line is in this chunk, no copy
    } else {
      partial_.append(piece);
      on_line(partial_);
      partial_.clear();
    }
    pos = nl + 1;
  }
}

void LineSplitter::finish(const OnLine& on_line) {
  if (!discarding_ && !partial_.empty()) on_line(partial_);
  partial_.clear();
  discarding_ = false;
}

}  // namespace vs
