// The `info` event that answers `describe`: one `asr` program (the daemon) with one model (the
// worker's), with every field the `wyoming` package's Info / AsrProgram / AsrModel classes
// require — Home Assistant's set-up fails on a missing one (tests/unit/wyoming and
// tests/integration/test_wyoming.py check them against the package).
//
//   WyomingEvent info = info_event(ModelInfo{"faster-whisper", "tiny.en"});
#pragma once

#include <string>

#include "wyoming/wyoming_event.h"

namespace vs {

struct ModelInfo {
  std::string engine;  // from the worker's ready line; empty before the first worker was ready
  std::string model;
};

WyomingEvent info_event(const ModelInfo& model);

}  // namespace vs
