// SupervisorDeps is what a Supervisor uses of the outside world besides config, gate and bus:
// how it makes workers, what time it is, and the backoff's randomness. Empty members mean the
// real ones (WorkerLauncher, SystemClock, a seeded generator); unit tests pass fakes.
//
//   SupervisorDeps deps{.launcher = std::make_unique<FakeLauncher>(), .clock = fake_clock,
//                       .uniform01 = [] { return 0.5; }};
//   Supervisor sup(config, gate, bus, std::move(deps));
#pragma once

#include <functional>
#include <memory>

#include "supervision/clock.h"
#include "supervision/process_launcher.h"

namespace vs {

struct SupervisorDeps {
  std::unique_ptr<ProcessLauncher> launcher;
  std::shared_ptr<Clock> clock;
  std::function<double()> uniform01;  // in [0, 1): the backoff's jitter
};

}  // namespace vs
