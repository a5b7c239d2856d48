// FileAllowlist decides which paths a file recording may open: regular files under the
// directories of audio.file_dirs, with symlinks followed before the check, so neither "..",
// a symlink out of a directory, a FIFO, a device nor /proc/self/fd/N gets through. With no
// directories it allows nothing (the recording API then opens no files; `transcribe` does not
// use it). Refusals say the same for "not there" and "not allowed", so the answer tells a
// caller nothing about files outside the directories.
//
//   FileAllowlist allow(config.audio.file_dirs);
//   if (auto path = allow.resolve(request_path)) FileSource::open(*path, realtime);
//   else reply(404, allow.refusal(request_path));
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vs {

class FileAllowlist {
 public:
  // Each directory is made canonical now; one that does not exist (yet) is kept as written.
  explicit FileAllowlist(const std::vector<std::string>& dirs);

  bool empty() const { return dirs_.empty(); }
  // The canonical path of `path` when it is a regular file under one of the directories.
  std::optional<std::string> resolve(const std::string& path) const;
  // The one sentence for any path resolve() refuses.
  std::string refusal(const std::string& path) const;

 private:
  std::vector<std::string> dirs_;  // canonical, each ending in '/'
};

}  // namespace vs
