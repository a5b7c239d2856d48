// PressureSample is one reading of the machine's load, and read_pressure_sample() takes one
// from files under configurable roots (so tests point it at fixtures):
//   <proc_root>/meminfo            MemTotal, MemAvailable
//   <proc_root>/stat               the "cpu" line; utilisation is the delta between two samples
//   <proc_root>/<pid>/stat         the excluded worker group's leader, when one is given: its CPU
//                                  is taken out of the figure that gates (gate/cpu_utilisation.h)
//   <proc_root>/pressure/memory    "some avg10=..." when present (PSI)
//   <cgroup_root><own cgroup>/memory.max, memory.current, and the same in every ancestor up to
//   <cgroup_root>, when present and not "max" (cgroup v2 limits; the own cgroup comes from
//   <proc_root>/self/cgroup, and is the root itself when that has no v2 entry)
// A sample that cannot be read or parsed is still a sample: valid=false with the reason.
// The parsing of each file's text lives in gate/proc_parsers.h; this is the I/O edge.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/time_format.h"
#include "gate/cpu_times.h"

namespace vs {

struct PressureSample {
  WallTime timestamp{};
  SteadyTime taken_at{};
  bool valid = false;
  std::string reason;                 // why invalid; "" when valid
  double memory_total_mb = 0;         // MemTotal, or the cgroup limit when lower
  double memory_available_mb = 0;     // MemAvailable, or limit - current when lower
  double memory_percent = 0;          // used / total * 100
  // CPU utilisation since the previous sample, 0..100; none on the first sample (no delta yet).
  // cpu_percent is what the gate compares with max_cpu_percent: the machine without the
  // excluded worker group. cpu_percent_total is the whole machine. They are equal when no group
  // is excluded (or it used no CPU, or its time is unknown).
  std::optional<double> cpu_percent;
  std::optional<double> cpu_percent_total;
  std::optional<double> psi_some_avg10;
  CpuTimes cpu_times;                 // raw counters for the next delta (carried over when
                                      // stat could not be read, so the next delta still works)
  std::optional<GroupCpuTimes> excluded_group;  // the excluded group's counters, read with
                                                // cpu_times (and carried over with them)
  bool cgroup_limited = false;        // the cgroup v2 limit made total or available lower
  std::chrono::milliseconds read_duration{0};  // how long reading took; a slow read is stale
};

struct PressurePaths {
  PressurePaths() = default;
  PressurePaths(std::string proc, std::string cgroup, std::vector<std::string> dirs = {})
      : proc_root(std::move(proc)), cgroup_root(std::move(cgroup)), cgroup_dirs(std::move(dirs)) {}

  std::string proc_root = "/proc";
  std::string cgroup_root = "/sys/fs/cgroup";
  // The cgroup directories whose memory.max bounds this process, innermost first, as
  // resolve_cgroup_dirs() returns them. Empty: resolved again on every sample.
  std::vector<std::string> cgroup_dirs;
};

// The daemon's own cgroup v2 directory (from <proc_root>/self/cgroup) and each ancestor up to
// <cgroup_root>, innermost first; just <cgroup_root> without a readable v2 entry (a container
// whose root is its own cgroup, a test fixture). Never empty. HeavyLoadGate resolves it once,
// at construction, into PressurePaths::cgroup_dirs (a daemon moved to another cgroup afterwards
// keeps sampling the old chain).
std::vector<std::string> resolve_cgroup_dirs(const PressurePaths& paths);

// Reads one sample; `previous` (if any) gives the CPU delta. `excluded_leader` is the leader of
// the process group whose CPU does not count against admission (the supervised worker, its own
// group leader); none when there is no worker. Never throws: every failure of the machine's own
// files is a sample with valid=false and a reason that names the file, e.g.
// "cannot read /proc/meminfo: No such file or directory". The worker's stat is not one of them:
// when it cannot be read (the worker just exited) its CPU simply is not excluded.
PressureSample read_pressure_sample(const PressurePaths& paths, const PressureSample* previous,
                                    std::optional<pid_t> excluded_leader = std::nullopt);

}  // namespace vs
