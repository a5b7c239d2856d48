// Readiness (GET /v1/ready, a Kubernetes readinessProbe): whether this daemon should be sent
// new work now. It is, when it is not shutting down, the pressure gate is open, a model is
// loaded (the worker runs) and a recording slot is free; otherwise the answer is a sentence
// saying why. /v1/health stays the
// liveness answer: a daemon that is not ready is still alive.
//
// Pure, so the whole table is unit-tested.
#pragma once

#include <string>

#include "gate/gate_policy.h"
#include "supervision/worker_state.h"

namespace vs {

struct ReadinessInputs {
  bool draining = false;  // shutting down: no new work
  WorkerState worker = WorkerState::Stopped;
  GateDecision gate;
  size_t recordings_active = 0;
  size_t recordings_capacity = 1;
};

// "" when ready, else why not.
std::string why_not_ready(const ReadinessInputs& in);

}  // namespace vs
