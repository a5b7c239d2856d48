// Pure parsers for the text of the files a pressure sample is made of. They take the text, not a
// path, so tests feed them real-looking /proc content and garbage without touching the disk.
//
// Errors are phrases without the file name ("cannot parse MemAvailable", "no \"cpu\" line");
// read_pressure_sample() appends " in <path>", so the parser stays independent of where the text
// came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gate/cpu_times.h"

namespace vs {

// A parsed value or the reason there is none.
template <class T>
struct Parsed {
  std::optional<T> value;
  std::string error;  // "" when value is set

  static Parsed ok(T v) {
    Parsed p;
    p.value.emplace(std::move(v));  // emplace: T may itself be an empty optional
    return p;
  }
  static Parsed fail(std::string why) { return Parsed{std::nullopt, std::move(why)}; }
  explicit operator bool() const { return value.has_value(); }
};

struct MemInfo {
  uint64_t total_kb = 0;
  uint64_t available_kb = 0;
};

// /proc/meminfo: "MemTotal:  16318480 kB" and "MemAvailable: ...". MemTotal 0, a missing line or
// MemAvailable above MemTotal is an error: such numbers would make every threshold meaningless.
Parsed<MemInfo> parse_meminfo(std::string_view text);

// /proc/stat (the whole text or just its line): the aggregate "cpu" line. total counts user..steal
// (guest time is already inside user/nice, so it is not added twice); busy = total - idle - iowait.
Parsed<CpuTimes> parse_cpu_line(std::string_view text);

// /proc/<pid>/stat: the process's CPU ticks, utime+stime+cutime+cstime. For a thread-group
// leader utime and stime cover all its threads; cutime and cstime add the children it has
// waited for (children still running are not counted until they are reaped). The command name
// may hold spaces and parentheses, so fields are counted from the last ')'.
Parsed<uint64_t> parse_process_cpu_ticks(std::string_view text);

// /proc/pressure/memory: the avg10 value of the "some" line.
Parsed<double> parse_psi(std::string_view text);

// cgroup v2 memory.max: bytes, or none for "max" (no limit).
Parsed<std::optional<uint64_t>> parse_cgroup_memory_max(std::string_view text);

// cgroup v2 memory.current (or any single-number cgroup file): bytes.
Parsed<uint64_t> parse_cgroup_bytes(std::string_view text);

// The cgroup v2 path ("/user.slice/x.service") from /proc/self/cgroup's "0::" line; none when
// there is no v2 entry (cgroup v1 only) or the path is not absolute.
std::optional<std::string> parse_cgroup_v2_path(std::string_view text);

}  // namespace vs
