// read_text_file() reads a small pseudo-file (/proc, cgroupfs) whole, reporting errors as
// sentences that name the path, because a gate reason must tell an operator which file failed.
//
// It distinguishes "absent" (nothing at the path) from "present but unreadable" (a directory, a
// dangling symlink, a permission error): optional sources such as PSI may be absent, but an entry
// that exists and cannot be read is a broken machine or fixture and must not pass silently.
#pragma once

#include <string>

namespace vs {

struct TextFile {
  enum class Status { Ok, Absent, Unreadable };
  Status status = Status::Unreadable;
  std::string text;   // the content when Ok
  std::string error;  // "cannot read <path>: <strerror>" otherwise
};

// Files larger than this are refused: no pseudo-file we read comes close, and a runaway fixture
// (or a FIFO/device someone pointed the root at) must not make the sampler allocate without end.
inline constexpr size_t kMaxTextFileBytes = 4 * 1024 * 1024;

TextFile read_text_file(const std::string& path);

}  // namespace vs
