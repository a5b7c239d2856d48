// FixtureDir is a throwaway /proc + cgroup tree in a temp directory, so a test decides every
// number the gate reads (DESIGN.md §5: tests never depend on the machine's real load).
//
// Files are replaced atomically (write a temp file, rename), so a sampler thread reading
// concurrently sees the old or the new content, never half of one.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "gate/pressure_sample.h"

namespace vs::test {

inline std::string meminfo_text(uint64_t total_kb, uint64_t available_kb) {
  return "MemTotal:       " + std::to_string(total_kb) + " kB\n"
         "MemFree:          812344 kB\n"
         "MemAvailable:   " + std::to_string(available_kb) + " kB\n"
         "Buffers:          402112 kB\n"
         "Cached:          6021236 kB\n"
         "SwapCached:            0 kB\n";
}

// A /proc/stat whose aggregate line has the given busy (all in "user") and idle jiffies.
inline std::string stat_text(uint64_t busy, uint64_t idle) {
  return "cpu  " + std::to_string(busy) + " 0 0 " + std::to_string(idle) + " 0 0 0 0 0 0\n"
         "cpu0 " + std::to_string(busy) + " 0 0 " + std::to_string(idle) + " 0 0 0 0 0 0\n"
         "intr 123456 0 0 0\n"
         "ctxt 987654\n";
}

// A /proc/<pid>/stat of a process group leader with the given CPU ticks; the command name has a
// space and a ')' as real ones may, so a parser that splits naively miscounts.
inline std::string process_stat_text(int pid, uint64_t utime, uint64_t stime, uint64_t cutime = 0,
                                     uint64_t cstime = 0) {
  const std::string p = std::to_string(pid);
  return p + " (python3 -m w) ker) S 1 " + p + " " + p + " 0 -1 4194560 51234 0 12 0 " +
         std::to_string(utime) + " " + std::to_string(stime) + " " + std::to_string(cutime) + " " +
         std::to_string(cstime) +
         " 20 0 8 0 4242 1234567890 54321 18446744073709551615 1 1 0 0 0 0 0 16781312 2 0 0 0 17 1 0"
         " 0 0 0 0 0 0 0 0 0 0\n";
}

inline std::string psi_text(double some_avg10) {
  return "some avg10=" + std::to_string(some_avg10) + " avg60=0.00 avg300=0.00 total=12345\n"
         "full avg10=0.00 avg60=0.00 avg300=0.00 total=6789\n";
}

class FixtureDir {
 public:
  FixtureDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/vs-gate-XXXXXX";
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    root_ = templ;
    std::filesystem::create_directories(root_ / "proc");
    std::filesystem::create_directories(root_ / "cgroup");
  }
  ~FixtureDir() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  FixtureDir(const FixtureDir&) = delete;
  FixtureDir& operator=(const FixtureDir&) = delete;

  std::string proc() const { return (root_ / "proc").string(); }
  std::string cgroup() const { return (root_ / "cgroup").string(); }
  PressurePaths paths() const { return PressurePaths{proc(), cgroup()}; }

  // `rel` is relative to the fixture root, e.g. "proc/meminfo".
  std::string path(const std::string& rel) const { return (root_ / rel).string(); }

  void write(const std::string& rel, const std::string& content) const {
    const auto target = root_ / rel;
    std::filesystem::create_directories(target.parent_path());
    if (std::filesystem::is_directory(target)) std::filesystem::remove_all(target);
    const auto tmp = target.parent_path() / (".tmp-" + target.filename().string());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << content;
      if (!out) throw std::runtime_error("cannot write fixture " + tmp.string());
    }
    std::filesystem::rename(tmp, target);
  }

  void remove(const std::string& rel) const { std::filesystem::remove_all(root_ / rel); }

  // Tests run as root, so chmod 000 would still be readable: a directory in place of the file
  // and a dangling symlink are the unreadable-but-present cases that work for everyone.
  void make_directory_at(const std::string& rel) const {
    remove(rel);
    std::filesystem::create_directories(root_ / rel);
  }
  void make_dangling_symlink_at(const std::string& rel) const {
    remove(rel);
    std::filesystem::create_directories((root_ / rel).parent_path());
    std::filesystem::create_symlink(root_ / "does-not-exist", root_ / rel);
  }

  // A healthy machine: 16 GiB, 12 GiB available, no PSI, no cgroup limit.
  void write_healthy() const {
    write("proc/meminfo", meminfo_text(16 * 1024 * 1024, 12 * 1024 * 1024));
    write("proc/stat", stat_text(1000, 9000));
  }

 private:
  std::filesystem::path root_;
};

}  // namespace vs::test
