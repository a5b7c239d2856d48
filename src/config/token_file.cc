#include "config/token_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/http_limits.h"
#include "common/unique_fd.h"
#include "config/load_config.h"
#include "config/value_parsers.h"

namespace vs::config_detail {
namespace {

constexpr const char* kKey = "auth.token_file";

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ConfigError(kKey, json_quoted(path) + " " + what);
}

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

std::string read_token_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is refused just below.
  // The checks run on the opened file (fstat), so a swap between check and read cannot slip by.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) fail(path, std::string("cannot be opened: ") + std::strerror(errno));
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) fail(path, std::string("cannot be examined: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(path, "is " + kind_of(st.st_mode) + "; the token file must be a regular file");
  if (st.st_uid != ::geteuid()) {
    fail(path, "is owned by uid " + std::to_string(st.st_uid) + ", not by the daemon's user (uid " +
                   std::to_string(::geteuid()) + "); give it to that user (chown) and run: chmod 600 " + path);
  }
  if ((st.st_mode & 077) != 0) {
    fail(path, "has permissions " + octal(st.st_mode) +
                   ", open to group or others; the token file must be readable by its owner only: run chmod 600 " +
                   path);
  }
  // A token plus its newline; more than that cannot be a token, and is not read whole.
  constexpr size_t kMost = kMaxTokenBytes + 2;
  std::string text;
  char chunk[1024];
  while (text.size() <= kMost) {
    const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, std::string("cannot be read: ") + std::strerror(errno));
    if (n == 0) break;
    text.append(chunk, static_cast<size_t>(n));
  }
  if (text.ends_with('\n')) text.pop_back();
  if (text.ends_with('\r')) text.pop_back();
  if (text.empty()) fail(path, "is empty; it must hold the token");
  if (text.size() > kMaxTokenBytes) {
    fail(path, "holds more than " + std::to_string(kMaxTokenBytes) + " bytes; a token is at most " +
                   std::to_string(kMaxTokenBytes) + " bytes, so that it fits in a request's headers");
  }
  return text;
}

void load_token_file(Config& config, Origins& origins) {
  const std::string& path = config.auth.token_file;
  if (path.empty()) return;
  if (!config.auth.token.empty()) {
    const auto from = [&](const char* key) {
      auto it = origins.find(key);
      return it == origins.end() ? std::string("?") : it->second;
    };
    throw ConfigError(kKey, "cannot be used together with auth.token (token_file from " + from(kKey) +
                                ", token from " + from("auth.token") + "); give the token one way: the file");
  }
  config.auth.token = read_token_file(path);
  origins["auth.token"] = "token file " + path;
}

}  // namespace vs::config_detail
