// Helpers shared by the supervision tests: polling with a deadline (never a fixed sleep for
// correctness), reading small files, and looking at processes through /proc.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "../support/wait_until.h"

namespace vs::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::optional<pid_t> read_pid(const std::string& path) {
  const std::string text = read_file(path);
  if (text.empty()) return std::nullopt;
  try {
    return static_cast<pid_t>(std::stol(text));
  } catch (...) {
    return std::nullopt;
  }
}

// The state letter of /proc/<pid>/stat, or '\0' when the process is gone.
inline char proc_state(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return '\0';
  return stat[paren + 2];
}

// Gone, or a zombie waiting for someone else (a reparented grandchild).
inline bool dead(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  const char s = proc_state(pid);
  return s == '\0' || s == 'Z' || s == 'X';
}

inline std::string python() { return VS_TEST_PYTHON; }
inline std::string test_worker() { return std::string(VS_SOURCE_DIR) + "/tests/fixtures/test_worker.py"; }

}  // namespace vs::test
