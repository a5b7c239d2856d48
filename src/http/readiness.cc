#include "http/readiness.h"

namespace vs {

std::string why_not_ready(const ReadinessInputs& in) {
  if (in.draining) return "shutting down: running recordings finish, new ones go elsewhere";
  // The gate first: memory pressure also stops the worker, and the gate is why.
  if (!in.gate.open) return "the heavy-load gate is closed: " + in.gate.reason;
  if (in.worker != WorkerState::Running) {
    return std::string("no model is loaded: the worker is ") + to_string(in.worker) +
           (in.worker == WorkerState::Stopped || in.worker == WorkerState::Failed
                ? " (POST /v1/control/start starts it)"
                : "");
  }
  if (in.recordings_active >= in.recordings_capacity) {
    return "no capacity left: " + std::to_string(in.recordings_active) + " of " +
           std::to_string(in.recordings_capacity) + " recordings running";
  }
  return "";
}

}  // namespace vs
