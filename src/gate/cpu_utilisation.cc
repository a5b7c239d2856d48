#include "gate/cpu_utilisation.h"

namespace vs {

std::optional<double> cpu_percent_between(const CpuTimes& before, const CpuTimes& after,
                                          uint64_t excluded_busy) {
  if (after.total <= before.total) return std::nullopt;
  const double total = static_cast<double>(after.total - before.total);
  // busy can step backwards: the kernel's iowait counter is not monotonic.
  const double busy = static_cast<double>(after.busy) - static_cast<double>(before.busy) -
                      static_cast<double>(excluded_busy);
  const double percent = busy / total * 100.0;
  return percent < 0 ? 0.0 : percent > 100 ? 100.0 : percent;
}

uint64_t excluded_ticks_between(const std::optional<GroupCpuTimes>& before,
                                const std::optional<GroupCpuTimes>& after) {
  if (!after || !after->ticks) return 0;
  const uint64_t now = *after->ticks;
  if (!before || before->leader != after->leader) return now;  // born since the last sample
  if (!before->ticks || *before->ticks > now) return 0;
  return now - *before->ticks;
}

}  // namespace vs
