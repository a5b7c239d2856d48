#include <string.h>

#include "supervision/child_process.h"

namespace vs {

std::string ExitStatus::describe() const {
  if (!signaled) return "exit code " + std::to_string(code);
  std::string text = "killed by signal " + std::to_string(code);
  if (const char* abbrev = sigabbrev_np(code)) text += std::string(" (SIG") + abbrev + ")";
  return text;
}

}  // namespace vs
