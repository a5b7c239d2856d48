// The stt.* keys reach the worker as the VOICE_WORKER_* names worker/voice_worker/config.py reads.
#include "supervision/stt_environment.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(SttEnvironment, NamesEverySettingAsTheWorkerReadsIt) {
  SttConfig stt;
  stt.engine = "moonshine";
  stt.model = "moonshine-base-en";
  stt.language = "en";
  stt.task = "transcribe";
  stt.beam_size = 3;
  stt.partial_beam_size = 1;
  stt.compute_type = "float32";
  stt.device = "auto";
  stt.cpu_threads = 2;
  stt.initial_prompt = "Zoë";
  stt.hotwords = "Kubernetes";
  stt.word_timestamps = true;
  stt.vad.end_silence_ms = 300;
  const std::map<std::string, std::string> want = {
      {"VOICE_WORKER_ENGINE", "moonshine"},     {"VOICE_WORKER_MODEL", "moonshine-base-en"},
      {"VOICE_WORKER_LANGUAGE", "en"},          {"VOICE_WORKER_TASK", "transcribe"},
      {"VOICE_WORKER_BEAM_SIZE", "3"},          {"VOICE_WORKER_PARTIAL_BEAM_SIZE", "1"},
      {"VOICE_WORKER_COMPUTE_TYPE", "float32"}, {"VOICE_WORKER_DEVICE", "auto"},
      {"VOICE_WORKER_CPU_THREADS", "2"},        {"VOICE_WORKER_INITIAL_PROMPT", "Zoë"},
      {"VOICE_WORKER_HOTWORDS", "Kubernetes"},  {"VOICE_WORKER_WORD_TIMESTAMPS", "1"},
      {"VOICE_WORKER_END_SILENCE_MS", "300"}};
  EXPECT_EQ(stt_environment(stt), want);
}

TEST(SttEnvironment, DefaultsLeaveModelAndThreadsToTheWorker) {
  const auto env = stt_environment(SttConfig{});
  EXPECT_EQ(env.count("VOICE_WORKER_MODEL"), 0u);
  EXPECT_EQ(env.count("VOICE_WORKER_CPU_THREADS"), 0u);
  EXPECT_EQ(env.at("VOICE_WORKER_LANGUAGE"), "auto");
  EXPECT_EQ(env.at("VOICE_WORKER_WORD_TIMESTAMPS"), "0");
}

TEST(SttEnvironment, WorkerEnvOverridesASetting) {
  const auto env = with_stt_environment(SttConfig{}, {{"VOICE_WORKER_MODEL", "/srv/models/x"}, {"OMP_NUM_THREADS", "1"}});
  EXPECT_EQ(env.at("VOICE_WORKER_MODEL"), "/srv/models/x");
  EXPECT_EQ(env.at("OMP_NUM_THREADS"), "1");
  EXPECT_EQ(env.at("VOICE_WORKER_ENGINE"), "faster-whisper");
}

}  // namespace
}  // namespace vs
