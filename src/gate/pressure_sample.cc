// The I/O edge of the gate: reads the files, hands their text to proc_parsers, and turns every
// failure into a reason that names the file. No thresholds here; that is GatePolicy's job.
#include "gate/pressure_sample.h"

#include <algorithm>
#include <vector>

#include "gate/cpu_utilisation.h"
#include "gate/proc_parsers.h"
#include "gate/text_file.h"

namespace vs {
namespace {

constexpr double kKbPerMb = 1024.0;
constexpr double kBytesPerMb = 1024.0 * 1024.0;

std::string join(const std::string& root, const std::string& name) {
  std::string dir = root;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + "/" + name;
}

// Reads a file that must exist and parses it; the error names the file either way.
template <class T, class Parse>
Parsed<T> read_required(const std::string& path, Parse parse) {
  const TextFile f = read_text_file(path);
  if (f.status != TextFile::Status::Ok) return Parsed<T>::fail(f.error);
  Parsed<T> p = parse(f.text);
  if (!p) p.error += " in " + path;
  return p;
}

// Absent is no value and no error; present but unreadable or garbage is an error.
template <class T, class Parse>
Parsed<std::optional<T>> read_optional(const std::string& path, Parse parse) {
  const TextFile f = read_text_file(path);
  if (f.status == TextFile::Status::Absent) return Parsed<std::optional<T>>::ok(std::nullopt);
  if (f.status != TextFile::Status::Ok) return Parsed<std::optional<T>>::fail(f.error);
  const Parsed<T> p = parse(f.text);
  if (!p) return Parsed<std::optional<T>>::fail(p.error + " in " + path);
  return Parsed<std::optional<T>>::ok(*p.value);
}

struct CgroupMemory {
  uint64_t limit_bytes = 0;
  uint64_t current_bytes = 0;
};

// The cgroup v2 limit, or none when memory.max is absent (the root cgroup) or says "max".
Parsed<std::optional<CgroupMemory>> read_cgroup_memory(const std::string& root) {
  using Result = Parsed<std::optional<CgroupMemory>>;
  const auto max = read_optional<std::optional<uint64_t>>(join(root, "memory.max"),
                                                          parse_cgroup_memory_max);
  if (!max) return Result::fail(max.error);
  const std::optional<std::optional<uint64_t>>& file = *max.value;  // none: no memory.max
  if (!file || !*file) return Result::ok(std::nullopt);              // absent, or "max"
  const uint64_t limit = **file;
  // With a limit, usage is needed to know the headroom: a missing memory.current is an error.
  const auto current = read_required<uint64_t>(join(root, "memory.current"), parse_cgroup_bytes);
  if (!current) return Result::fail(current.error);
  return Result::ok(CgroupMemory{limit, *current.value});
}

// Narrows total/available to the cgroup's limit and headroom when those are lower.
void apply_cgroup_limit(const CgroupMemory& cg, PressureSample& s) {
  const double limit_mb = static_cast<double>(cg.limit_bytes) / kBytesPerMb;
  // Usage can briefly exceed the limit before reclaim catches up: headroom is then 0.
  const double headroom_mb =
      cg.current_bytes >= cg.limit_bytes
          ? 0.0
          : static_cast<double>(cg.limit_bytes - cg.current_bytes) / kBytesPerMb;
  if (limit_mb < s.memory_total_mb || headroom_mb < s.memory_available_mb) {
    s.cgroup_limited = true;
  }
  s.memory_total_mb = std::min(s.memory_total_mb, limit_mb);
  s.memory_available_mb = std::min(s.memory_available_mb, headroom_mb);
}

// The excluded group leader's counters. An unreadable stat is no error: the worker may exit at
// any moment, and fail_closed is about the machine's own figures, not about our child.
GroupCpuTimes read_group_cpu(const std::string& proc_root, pid_t leader) {
  GroupCpuTimes g;
  g.leader = leader;
  const TextFile f = read_text_file(join(proc_root, std::to_string(leader) + "/stat"));
  if (f.status != TextFile::Status::Ok) return g;
  g.ticks = parse_process_cpu_ticks(f.text).value;
  return g;
}

// Reads the machine's and the excluded group's CPU counters together (so both deltas span the
// same interval) and derives both utilisation figures; returns "" or why stat is unusable.
std::string measure_cpu(const PressurePaths& paths, const PressureSample* previous,
                        std::optional<pid_t> excluded_leader, PressureSample& s) {
  const auto cpu = read_required<CpuTimes>(join(paths.proc_root, "stat"), parse_cpu_line);
  if (!cpu) return cpu.error;
  s.cpu_times = *cpu.value;
  s.excluded_group.reset();
  // A pid of 0 or less names no process (and would read "0/stat" or "self"-like paths).
  if (excluded_leader && *excluded_leader > 0) {
    s.excluded_group = read_group_cpu(paths.proc_root, *excluded_leader);
  }
  if (!previous) return "";
  s.cpu_percent_total = cpu_percent_between(previous->cpu_times, s.cpu_times);
  const uint64_t excluded = excluded_ticks_between(previous->excluded_group, s.excluded_group);
  s.cpu_percent = cpu_percent_between(previous->cpu_times, s.cpu_times, excluded);
  return "";
}

// Fills the measurements into `s`; returns "" or the first reason the sample is invalid.
std::string measure(const PressurePaths& paths, const PressureSample* previous,
                    std::optional<pid_t> excluded_leader, PressureSample& s) {
  if (std::string error = measure_cpu(paths, previous, excluded_leader, s); !error.empty()) {
    return error;
  }

  const auto mem = read_required<MemInfo>(join(paths.proc_root, "meminfo"), parse_meminfo);
  if (!mem) return mem.error;
  s.memory_total_mb = static_cast<double>(mem.value->total_kb) / kKbPerMb;
  s.memory_available_mb = static_cast<double>(mem.value->available_kb) / kKbPerMb;

  const auto psi = read_optional<double>(join(paths.proc_root, "pressure/memory"), parse_psi);
  if (!psi) return psi.error;
  s.psi_some_avg10 = *psi.value;

  // Every limited level counts: a slice's limit binds its services as much as their own.
  const std::vector<std::string> resolved =
      paths.cgroup_dirs.empty() ? resolve_cgroup_dirs(paths) : std::vector<std::string>{};
  const std::vector<std::string>& dirs = paths.cgroup_dirs.empty() ? resolved : paths.cgroup_dirs;
  std::string zero_limit_file;  // the innermost memory.max that says 0
  for (const std::string& dir : dirs) {
    const auto cg = read_cgroup_memory(dir);
    if (!cg) return cg.error;
    if (!*cg.value) continue;
    if ((*cg.value)->limit_bytes == 0 && zero_limit_file.empty()) {
      zero_limit_file = join(dir, "memory.max");
    }
    apply_cgroup_limit(**cg.value, s);
  }

  // MemTotal 0 is rejected by parse_meminfo, so a total of 0 can only come from such a limit.
  if (s.memory_total_mb <= 0) return "memory limit is 0 in " + zero_limit_file;
  s.memory_percent = (s.memory_total_mb - s.memory_available_mb) / s.memory_total_mb * 100.0;
  return "";
}

}  // namespace

std::vector<std::string> resolve_cgroup_dirs(const PressurePaths& paths) {
  std::vector<std::string> dirs;
  std::string root = paths.cgroup_root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  const TextFile self = read_text_file(join(paths.proc_root, "self/cgroup"));
  std::string rel = self.status == TextFile::Status::Ok ? parse_cgroup_v2_path(self.text).value_or("") : "";
  while (!rel.empty() && rel != "/") {
    dirs.push_back(root + rel);
    rel = rel.substr(0, rel.rfind('/'));
  }
  dirs.push_back(root);
  return dirs;
}

PressureSample read_pressure_sample(const PressurePaths& paths, const PressureSample* previous,
                                    std::optional<pid_t> excluded_leader) {
  const SteadyTime started = std::chrono::steady_clock::now();
  PressureSample s;
  s.timestamp = std::chrono::system_clock::now();
  s.taken_at = started;
  // Keep the last good counters if stat fails now, so the next delta still has a base.
  if (previous) {
    s.cpu_times = previous->cpu_times;
    s.excluded_group = previous->excluded_group;
  }

  s.reason = measure(paths, previous, excluded_leader, s);
  s.valid = s.reason.empty();
  s.read_duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return s;
}

}  // namespace vs
