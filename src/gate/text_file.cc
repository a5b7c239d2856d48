#include "gate/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace vs {
namespace {

TextFile failure(TextFile::Status status, const std::string& path, int err) {
  TextFile f;
  f.status = status;
  f.error = "cannot read " + path + ": " + std::strerror(err);
  return f;
}

}  // namespace

TextFile read_text_file(const std::string& path) {
  // lstat, not stat: a dangling symlink is an entry that exists but cannot be read.
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    const int err = errno;
    return failure(err == ENOENT ? TextFile::Status::Absent : TextFile::Status::Unreadable, path,
                   err);
  }
  // O_NONBLOCK so a FIFO without a writer reads as empty instead of hanging the sampler.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) return failure(TextFile::Status::Unreadable, path, errno);

  TextFile f;
  // Pseudo-files report size 0, so read until EOF rather than trusting st_size.
  char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure(TextFile::Status::Unreadable, path, errno);
    }
    if (f.text.size() + static_cast<size_t>(n) > kMaxTextFileBytes) {
      return failure(TextFile::Status::Unreadable, path, EFBIG);
    }
    f.text.append(buf, static_cast<size_t>(n));
  }
  f.status = TextFile::Status::Ok;
  return f;
}

}  // namespace vs
