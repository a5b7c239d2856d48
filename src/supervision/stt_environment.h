// The stt.* settings as the worker reads them: VOICE_WORKER_* variables (worker/voice_worker/
// config.py). Pure, so the spelling of each name is tested once; the launcher adds them to a
// spawned worker's environment under worker.env, which an operator can still use to override one.
//
//   SpawnSpec spec{argv, dir, with_stt_environment(config.stt, config.worker.env), withheld};
#pragma once

#include <map>
#include <string>

#include "config/config.h"

namespace vs {

std::map<std::string, std::string> stt_environment(const SttConfig& stt);

// stt_environment(stt) with every entry of `explicit_env` (worker.env) over it.
std::map<std::string, std::string> with_stt_environment(const SttConfig& stt,
                                                        const std::map<std::string, std::string>& explicit_env);

}  // namespace vs
