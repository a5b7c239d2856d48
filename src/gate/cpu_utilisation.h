// CPU utilisation between two samples, whole-machine or with one process group left out.
//
// The gate admits the supervised worker's heavy work, so the worker's own CPU is not pressure
// against it (DESIGN.md §5): the figure that gates is the machine's busy time minus the worker
// group's, over the machine's total time. Pure arithmetic on counters; the reading is elsewhere.
//
//   const uint64_t worker = excluded_ticks_between(prev.group, now.group);
//   total  = cpu_percent_between(prev.cpu, now.cpu);          // the whole machine
//   gating = cpu_percent_between(prev.cpu, now.cpu, worker);  // what the gate compares
#pragma once

#include <cstdint>
#include <optional>

#include "gate/cpu_times.h"

namespace vs {

// Utilisation between two readings of the cpu line, 0..100, after taking `excluded_busy` ticks
// out of the busy delta (never below 0); none when no time passed or the counters went backwards
// (a different machine, a rewritten fixture).
std::optional<double> cpu_percent_between(const CpuTimes& before, const CpuTimes& after,
                                          uint64_t excluded_busy = 0);

// The ticks the excluded group used between two samples; 0 when that is unknown, so that doubt
// counts against admission rather than hiding load:
// - now: no group, or its stat unreadable -> 0;
// - same leader before and now -> the increase (0 if its counters went backwards);
// - same leader but unreadable before -> 0 (no base to subtract from);
// - a leader not seen before (none, or another pid) -> all its ticks. The supervisor reports a
//   worker's pid as soon as it spawns it, so a leader absent at the previous sample was born
//   after it and all its time falls in this interval: that is the model load the gate must not
//   mistake for pressure. (The ticks a replaced worker used before it died are lost: they count
//   as load, for one interval.)
uint64_t excluded_ticks_between(const std::optional<GroupCpuTimes>& before,
                                const std::optional<GroupCpuTimes>& after);

}  // namespace vs
