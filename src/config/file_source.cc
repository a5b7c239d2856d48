// The config file layer: the file is read with limits (a regular file of at most 1 MiB), parsed
// into one ConfigNode tree (YAML, or JSON when the name ends in ".json"), and that tree is walked
// once against the key table, so an unknown key is reported with its full dotted path and line.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/strings.h"
#include "common/unique_fd.h"
#include "config/load_config.h"
#include "config/sources.h"
#include "config/value_parsers.h"

namespace vs::config_detail {
namespace {

std::string too_big() {
  return "expected a config file of at most " + std::to_string(kMaxConfigFileBytes) + " bytes";
}

std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

[[noreturn]] void unreadable(const std::string& path) {
  if (errno == ENOENT) throw ConfigError(path, "config file not found");
  throw ConfigError(path, std::string("cannot read config file: ") + std::strerror(errno));
}

// Refuses what is not a plain file before reading a byte: /dev/zero would be read forever, a FIFO
// would block check-config, a huge file would be held in memory.
UniqueFd open_small_regular_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) unreadable(path);
  if (!S_ISREG(st.st_mode)) throw ConfigError(path, "expected a config file, got " + file_kind(st.st_mode));
  if (st.st_size > off_t(kMaxConfigFileBytes)) throw ConfigError(path, too_big() + ", got " + std::to_string(st.st_size));
  return fd;
}

std::string read_config_text(const std::string& path) {
  const UniqueFd fd = open_small_regular_file(path);
  std::string text(kMaxConfigFileBytes + 1, '\0');  // one more, to see a file that grew
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n == 0) break;
    if (n > 0) got += size_t(n);
    else if (errno != EINTR) unreadable(path);
  }
  if (got > kMaxConfigFileBytes) throw ConfigError(path, too_big() + " (it grew while read)");
  text.resize(got);
  return text;
}

class Walker {
 public:
  explicit Walker(const std::string& path) : origin_("file " + path) {}

  void walk(const ConfigNode& map, const std::string& prefix) {
    for (const auto& [name, value] : map.entries) {
      const std::string dotted = prefix.empty() ? name : prefix + "." + name;
      const std::string where = origin_ + (value.line > 0 ? ", line " + std::to_string(value.line) : "");
      if (const KeyDef* def = find_key(dotted)) {
        out_.push_back({def, dotted, value, false, origin_, where});
      } else if (!is_section(dotted)) {
        throw ConfigError(dotted, "unknown configuration key (from " + where + ")" + did_you_mean(dotted));
      } else if (value.kind == ConfigNode::Kind::kMap) {
        walk(value, dotted);
      } else if (value.kind != ConfigNode::Kind::kNull) {  // "worker:" with nothing under it is fine
        throw ConfigError(dotted, "expected a section (a map of keys), got " + describe_node(value) +
                                      " (from " + where + ")");
      }
    }
  }
  std::vector<Setting> take() { return std::move(out_); }

 private:
  std::string origin_;
  std::vector<Setting> out_;
};

}  // namespace

std::vector<Setting> read_config_file(const std::string& path) {
  const std::string text = read_config_text(path);
  const bool json = to_lower(std::filesystem::path(path).extension().string()) == ".json";
  const ConfigNode root = json ? parse_json_tree(text, path) : parse_yaml_tree(text, path);
  if (root.kind == ConfigNode::Kind::kNull && !json) return {};  // an empty YAML file configures nothing
  if (root.kind != ConfigNode::Kind::kMap) {
    throw ConfigError(path, "expected a map of configuration keys at the top, got " + describe_node(root) +
                                (root.line > 0 ? " at line " + std::to_string(root.line) : ""));
  }
  Walker walker(path);
  walker.walk(root, "");
  return walker.take();
}

}  // namespace vs::config_detail
