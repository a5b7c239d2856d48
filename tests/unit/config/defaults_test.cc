#include <gmock/gmock.h>
#include <algorithm>
#include <set>
#include <sstream>
#include <gtest/gtest.h>

#include "common/version.h"
#include "config/config_keys.h"
#include "config/load_config.h"
#include "config_test_util.h"

namespace vs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_config::config_error;

TEST(ConfigDefaults, AloneAreValidAndEqualTheReference) {
  // Reference defect 8: its defaults failed its own validation.
  const LoadedConfig loaded = load_config(ConfigSources{});
  const Config& c = loaded.config;
  EXPECT_EQ(c.listen.network, "tcp");
  EXPECT_EQ(c.listen.address, "127.0.0.1:9860");
  EXPECT_TRUE(c.pressure.fail_closed);
  EXPECT_EQ(c.pressure.min_available_memory_mb, 2048);
  EXPECT_EQ(c.pressure.max_memory_percent, 85);
  EXPECT_EQ(c.pressure.max_cpu_percent, 90);
  EXPECT_EQ(c.pressure.monitor_interval_ms, 1000);
  EXPECT_EQ(c.pressure.sample_timeout_ms, 800);
  EXPECT_TRUE(c.worker.command.empty());
  EXPECT_EQ(c.worker.working_dir, "");
  EXPECT_TRUE(c.worker.env.empty());
  EXPECT_FALSE(c.worker.auto_start);
  EXPECT_TRUE(c.worker.auto_recover);
  EXPECT_TRUE(c.worker.stop_on_pressure);
  EXPECT_EQ(c.worker.health_url, "");
  EXPECT_EQ(c.worker.ping_timeout_ms, 1500);      // health_timeout_ms
  EXPECT_EQ(c.worker.ping_failure_limit, 3);      // health_failure_limit
  EXPECT_EQ(c.worker.start_timeout_ms, 30000);    // startup_health_wait_ms (15000 in Go: too short under load)
  EXPECT_EQ(c.worker.startup_poll_ms, 250);       // startup_health_poll_ms
  EXPECT_EQ(c.worker.stop_timeout_ms, 5000);
  EXPECT_EQ(c.backoff.initial_ms, 1000);
  EXPECT_EQ(c.backoff.max_ms, 30000);
  EXPECT_EQ(c.backoff.multiplier, 2.0);
  EXPECT_EQ(c.control_timeout_ms, 5000);
  EXPECT_EQ(c.shutdown.drain_ms, 20000);
  EXPECT_EQ(c.listen.socket_mode, 0600u);
  EXPECT_EQ(c.log.level, "info");
}

TEST(ConfigDefaults, EveryKeyHasADefaultOrigin) {
  const LoadedConfig loaded = load_config(ConfigSources{});
  EXPECT_EQ(loaded.origins.size(), config_detail::config_keys().size());
  for (const auto& [key, origin] : loaded.origins) EXPECT_EQ(origin, "default") << key;
}

TEST(ConfigDefaults, UnrelatedEnvironmentIsIgnored) {
  ConfigSources src;
  src.env = {{"PATH", "/usr/bin"}, {"JARVIS_BACKEND_MINIMAL", "true"}, {"HOME", "/root"}};
  EXPECT_NO_THROW(load_config(src));
}

TEST(EffectiveWorkerCommand, EmptyMeansTheBundledWorker) {
  Config c;
  EXPECT_THAT(effective_worker_command(c), ElementsAre(kVenvPython, "-m", "voice_worker"));
}

TEST(EffectiveWorkerCommand, ConfiguredCommandIsUsedAsIs) {
  Config c;
  c.worker.command = {"/usr/bin/python3", "worker.py", "--model", "tiny.en"};
  EXPECT_EQ(effective_worker_command(c), c.worker.command);
}

TEST(DescribeConfig, OneSortedLinePerKeyWithOrigin) {
  ConfigSources src;
  src.flags = {{"listen.address", "127.0.0.1:0"}};
  const std::string text = describe_config(load_config(src));
  EXPECT_THAT(text, HasSubstr("listen.address = \"127.0.0.1:0\""));
  EXPECT_THAT(text, HasSubstr("(flag --listen.address)"));
  EXPECT_THAT(text, HasSubstr("listen.network = \"tcp\""));
  EXPECT_THAT(text, HasSubstr("listen.socket_mode = 0600"));
  EXPECT_THAT(text, HasSubstr("backoff.multiplier = 2 "));
  EXPECT_THAT(text, HasSubstr("worker.command = []"));

  std::vector<std::string> keys;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) keys.push_back(line.substr(0, line.find(' ')));
  EXPECT_EQ(keys.size(), config_detail::config_keys().size());
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TEST(DescribeConfig, NeverPrintsTheToken) {
  ConfigSources src;
  src.env = {{"JARVIS_VOICE_SIDECAR_TOKEN", "s3cr3t-token"}};
  const std::string text = describe_config(load_config(src));
  EXPECT_THAT(text, Not(HasSubstr("s3cr3t-token")));
  EXPECT_THAT(text, HasSubstr("auth.token = <set>"));
  EXPECT_THAT(text, HasSubstr("(env JARVIS_VOICE_SIDECAR_TOKEN)"));
}

TEST(DescribeConfigKeys, ListsEveryEnvNameAndAlias) {
  const std::string text = describe_config_keys();
  for (const auto& k : config_detail::config_keys()) {
    EXPECT_THAT(text, HasSubstr(k.key));
    if (!k.env.empty()) {
      EXPECT_THAT(text, HasSubstr(k.env));
    }
    for (const auto& a : k.env_aliases) EXPECT_THAT(text, HasSubstr(a));
    for (const auto& a : k.key_aliases) EXPECT_THAT(text, HasSubstr(a));
  }
  EXPECT_THAT(text, HasSubstr("JARVIS_VOICE_SIDECAR_TRANSPORT"));
  EXPECT_THAT(text, HasSubstr("JARVIS_VOICE_SIDECAR_REQUIRED"));
}

TEST(ConfigKeys, EnvNamesAndAliasesAreUnique) {
  std::set<std::string> names;
  for (const auto& k : config_detail::config_keys()) {
    EXPECT_TRUE(names.insert(k.key).second) << k.key;
    if (!k.env.empty()) {
      EXPECT_TRUE(names.insert(k.env).second) << k.env;
    }
    for (const auto& a : k.env_aliases) EXPECT_TRUE(names.insert(a).second) << a;
    for (const auto& a : k.key_aliases) EXPECT_TRUE(names.insert(a).second) << a;
  }
}

}  // namespace
}  // namespace vs
