#include "sources/file_allowlist.h"

#include <sys/stat.h>

#include <cstdlib>
#include <memory>

namespace vs {
namespace {

// realpath(3): every symlink and "." / ".." resolved, or nullopt when any part is missing.
// It never opens the file, so a FIFO or a device cannot make it wait.
std::optional<std::string> canonical(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
  if (!real) return std::nullopt;
  return std::string(real.get());
}

std::string with_slash(std::string dir) {
  if (dir.empty() || dir.back() != '/') dir += '/';
  return dir;
}

}  // namespace

FileAllowlist::FileAllowlist(const std::vector<std::string>& dirs) {
  for (const std::string& dir : dirs) dirs_.push_back(with_slash(canonical(dir).value_or(dir)));
}

std::optional<std::string> FileAllowlist::resolve(const std::string& path) const {
  if (dirs_.empty() || path.empty() || path.front() != '/') return std::nullopt;
  const std::optional<std::string> real = canonical(path);
  if (!real) return std::nullopt;
  struct stat st {};
  if (::stat(real->c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  for (const std::string& dir : dirs_) {
    if (real->starts_with(dir)) return real;
  }
  return std::nullopt;
}

std::string FileAllowlist::refusal(const std::string& path) const {
  if (dirs_.empty()) {
    return "file recordings are off: the daemon opens files only under audio.file_dirs, and none is set "
           "(set it to the directories it may read, or upload the audio: POST /v1/audio or "
           "/v1/audio/transcriptions)";
  }
  std::string dirs;
  for (const std::string& dir : dirs_) dirs += (dirs.empty() ? "" : ", ") + dir;
  return "no audio file '" + path + "' that the daemon may read: it opens only regular files, by absolute path, " +
         "under audio.file_dirs (" + dirs + ")";
}

}  // namespace vs
