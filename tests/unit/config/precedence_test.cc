#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/load_config.h"
#include "config_test_util.h"

namespace vs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_config::config_error;
using testing_config::TempDir;

TEST(ConfigPrecedence, DefaultsFileEnvFlagsWithOrigins) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.write("p.yaml", R"(
pressure:
  max_cpu_percent: 50
  max_memory_percent: 60
  min_available_memory_mb: 100
backoff:
  initial_ms: 10
)");
  src.env = {{"JARVIS_VOICE_SIDECAR_MAX_MEM_PERCENT", "70"},
             {"JARVIS_VOICE_SIDECAR_MIN_MEM_MB", "200"}};
  src.flags = {{"pressure.min_available_memory_mb", "300"}};
  const LoadedConfig loaded = load_config(src);
  const Config& c = loaded.config;
  EXPECT_EQ(c.pressure.max_cpu_percent, 50);            // file
  EXPECT_EQ(c.pressure.max_memory_percent, 70);         // env over file
  EXPECT_EQ(c.pressure.min_available_memory_mb, 300);   // flag over env over file
  EXPECT_EQ(c.backoff.initial_ms, 10);
  EXPECT_EQ(c.backoff.max_ms, 30000);                   // default
  EXPECT_EQ(loaded.origins.at("pressure.max_cpu_percent"), "file " + *src.file);
  EXPECT_EQ(loaded.origins.at("pressure.max_memory_percent"),
            "env JARVIS_VOICE_SIDECAR_MAX_MEM_PERCENT");
  EXPECT_EQ(loaded.origins.at("pressure.min_available_memory_mb"),
            "flag --pressure.min_available_memory_mb");
  EXPECT_EQ(loaded.origins.at("backoff.max_ms"), "default");
}

TEST(ConfigPrecedence, LastFlagWinsAndAliasFlagsWork) {
  ConfigSources src;
  src.flags = {{"worker.start_timeout_ms", "1000"}, {"worker.startup_health_wait_ms", "2000"},
               {"--log.level", "WARN"}};
  const LoadedConfig loaded = load_config(src);
  EXPECT_EQ(loaded.config.worker.start_timeout_ms, 2000);
  EXPECT_EQ(loaded.origins.at("worker.start_timeout_ms"), "flag --worker.startup_health_wait_ms");
  EXPECT_EQ(loaded.config.log.level, "warn");
}

TEST(ConfigPrecedence, FlagsForListsAndMaps) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.write("w.yaml", "worker:\n  env:\n    A: \"1\"\n");
  src.flags = {{"worker.command", "python3 -m 'my worker'"},
               {"worker.env", "B=2"},
               {"worker.env", "C=x=y"}};
  const LoadedConfig loaded = load_config(src);
  EXPECT_THAT(loaded.config.worker.command, ElementsAre("python3", "-m", "my worker"));
  EXPECT_EQ(loaded.config.worker.env,
            (std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}, {"C", "x=y"}}));
  EXPECT_EQ(loaded.origins.at("worker.env"), "flag --worker.env");

  src.flags = {{"worker.env", "novalue"}};
  EXPECT_EQ(config_error([&] { load_config(src); }).key(), "worker.env");
}

TEST(ConfigPrecedence, UnknownFlagIsAnError) {
  ConfigSources src;
  src.flags = {{"listen.adress", "127.0.0.1:1"}};
  const ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), "--listen.adress");
  EXPECT_THAT(e.what(), HasSubstr("unknown"));
}

TEST(ConfigPrecedence, AnUnknownKeyPointsToTheKeyWithThatName) {
  ConfigSources src;
  src.flags = {{"worker.model", "base"}};
  const ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), "--worker.model");
  EXPECT_THAT(e.what(), HasSubstr("unknown configuration key (did you mean stt.model?)"));
  src.flags = {{"worker.nothing_like_it", "1"}};
  EXPECT_THAT(config_error([&] { load_config(src); }).what(), ::testing::Not(HasSubstr("did you mean")));
}

TEST(ConfigPrecedence, BadFlagValueNamesTheKeyAndTheFlag) {
  ConfigSources src;
  src.flags = {{"worker.auto_start", "sometimes"}};
  const ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), "worker.auto_start");
  EXPECT_THAT(e.what(), HasSubstr("flag --worker.auto_start"));
  EXPECT_THAT(e.what(), HasSubstr("\"sometimes\""));
}

TEST(ConfigPrecedence, EnvAcrossFileForEveryType) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.write("t.json", R"({"worker": {"command": ["a"], "auto_start": true},
                                      "backoff": {"multiplier": 3}})");
  src.env = {{"JARVIS_VOICE_SIDECAR_WORKER_COMMAND", "b c"},
             {"JARVIS_VOICE_SIDECAR_WORKER_AUTOSTART", "no"},
             {"JARVIS_VOICE_SIDECAR_BACKOFF_MULTIPLIER", "1.25"},
             {"JARVIS_VOICE_SIDECAR_SOCKET_MODE", "0640"}};
  const LoadedConfig loaded = load_config(src);
  EXPECT_THAT(loaded.config.worker.command, ElementsAre("b", "c"));
  EXPECT_FALSE(loaded.config.worker.auto_start);
  EXPECT_EQ(loaded.config.backoff.multiplier, 1.25);
  EXPECT_EQ(loaded.config.listen.socket_mode, 0640u);
}

}  // namespace
}  // namespace vs
