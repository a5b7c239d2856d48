// The pressure object of the HTTP contract (DESIGN.md §2, reference "P"):
//   {"timestamp","cpu_percent","memory_percent","memory_available_mb","memory_total_mb",
//    "valid","reason"} plus our additions "psi_some_avg10", "cgroup_limited" and
//    "cpu_percent_total".
// cpu_percent is the figure the gate compares with max_cpu_percent, which leaves out the
// supervised worker's own CPU; cpu_percent_total is the whole machine's.
// Unknown values are null, never a made-up 0: both CPU figures are null on the first sample (no
// delta yet), psi_some_avg10 when the kernel has no PSI, timestamp before any sample was taken.
#pragma once

#include <nlohmann/json.hpp>

#include "gate/pressure_sample.h"

namespace vs {

nlohmann::json to_json(const PressureSample& sample);

}  // namespace vs
