// The raw CPU counters one pressure sample carries so that the next sample can take a delta:
// the machine's (from /proc/stat) and those of the process group the gate leaves out (the
// supervised worker, from /proc/<pid>/stat). All counts are clock ticks (USER_HZ), the unit both
// files use, so they can be subtracted from each other.
//
// A header of its own so that the parsers (gate/proc_parsers.h) and the utilisation arithmetic
// (gate/cpu_utilisation.h) need nothing of the sample reader.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace vs {

// The aggregate "cpu" line of /proc/stat: busy = total - idle - iowait.
struct CpuTimes {
  uint64_t busy = 0;
  uint64_t total = 0;
};

// The excluded group's CPU time at one sample, keyed by its leader's pid so that a delta is only
// taken between readings of the same process.
struct GroupCpuTimes {
  pid_t leader = 0;
  // utime+stime+cutime+cstime of the leader; none when its stat could not be read (the worker
  // exited between the supervisor's answer and the read, or a fixture lacks the file).
  std::optional<uint64_t> ticks;
};

}  // namespace vs
