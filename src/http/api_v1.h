// The /v1 control plane (DESIGN.md §2): health, gate, start/stop/restart, status, metrics,
// the event stream, and the recording API (recording start/stop, audio upload), answered exactly as the reference control plane's clients expect
// (shared/reference/go-sidecar.md), plus the fields this daemon adds.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "audio/recorder.h"
#include "gate/heavy_load_gate.h"
#include "http/router.h"
#include "events/event_bus.h"
#include "supervision/supervisor.h"

namespace vs {

struct ListenInfo {
  std::string network;  // "tcp" or "unix"
  std::string address;  // the bound address: host:port (real port) or the socket path
};

struct ApiContext {
  Supervisor& supervisor;
  HeavyLoadGate& gate;
  EventBus& bus;
  Recorder& recorder;
  ListenInfo listen;
  std::function<std::map<int, uint64_t>()> http_responses;  // for metrics
  OpenAiConfig openai{};  // POST /v1/audio/transcriptions (the daemon sets it from Config::openai)
  std::vector<std::string> file_dirs{};  // audio.file_dirs: where file recordings may read
};

// Registers every /v1 route on `router`. `context` must outlive the router's use.
void install_api_v1(Router& router, const ApiContext& context);

}  // namespace vs
