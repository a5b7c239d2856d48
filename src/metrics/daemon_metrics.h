// The daemon's /v1/metrics page: every number an operator needs to see the supervisor, the
// gate, the worker's pipes and the event subscribers, named voice_sidecar_* in base units
// (ratios not percents, bytes not MB) with counters ending in _total.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "audio/recorder.h"
#include "gate/heavy_load_gate.h"
#include "worker_pipe/ipc_stats.h"
#include "supervision/worker_state.h"

namespace vs {

struct EventBusStats {
  uint64_t published = 0;
  uint64_t subscribers = 0;
  uint64_t lagged_events = 0;
  uint64_t retained_bytes = 0;
};

struct MetricsInputs {
  WorkerSnapshot worker;
  SupervisorCounters supervisor;
  IpcStats ipc;
  GateSnapshot gate;
  EventBusStats events;
  RecorderTotals recorder;
  std::map<int, uint64_t> http_responses;  // status code -> responses sent
};

std::string render_daemon_metrics(const MetricsInputs& in);

}  // namespace vs
