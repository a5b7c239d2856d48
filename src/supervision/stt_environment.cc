#include "supervision/stt_environment.h"

namespace vs {

std::map<std::string, std::string> stt_environment(const SttConfig& stt) {
  std::map<std::string, std::string> env = {
      {"VOICE_WORKER_ENGINE", stt.engine},
      {"VOICE_WORKER_LANGUAGE", stt.language},
      {"VOICE_WORKER_TASK", stt.task},
      {"VOICE_WORKER_BEAM_SIZE", std::to_string(stt.beam_size)},
      {"VOICE_WORKER_PARTIAL_BEAM_SIZE", std::to_string(stt.partial_beam_size)},
      {"VOICE_WORKER_COMPUTE_TYPE", stt.compute_type},
      {"VOICE_WORKER_DEVICE", stt.device},
      {"VOICE_WORKER_INITIAL_PROMPT", stt.initial_prompt},
      {"VOICE_WORKER_HOTWORDS", stt.hotwords},
      {"VOICE_WORKER_WORD_TIMESTAMPS", stt.word_timestamps ? "1" : "0"},
      {"VOICE_WORKER_END_SILENCE_MS", std::to_string(stt.vad.end_silence_ms)},
  };
  // Unset rather than empty: the worker's own default (tiny.en; min(4, cores)) then applies.
  if (!stt.model.empty()) env["VOICE_WORKER_MODEL"] = stt.model;
  if (stt.cpu_threads > 0) env["VOICE_WORKER_CPU_THREADS"] = std::to_string(stt.cpu_threads);
  return env;
}

std::map<std::string, std::string> with_stt_environment(const SttConfig& stt,
                                                        const std::map<std::string, std::string>& explicit_env) {
  std::map<std::string, std::string> env = stt_environment(stt);
  for (const auto& [name, value] : explicit_env) env[name] = value;
  return env;
}

}  // namespace vs
