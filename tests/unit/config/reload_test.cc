// What SIGHUP may change: the reloadable keys, the changes a re-read finds, and the configuration
// the daemon runs with afterwards.
#include "config/reload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_keys.h"
#include "config/load_config.h"

namespace vs {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> keys_of(const std::vector<ConfigChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(c.key);
  return out;
}

// A configuration that differs from the defaults in every reloadable key and in several others.
Config changed_everywhere() {
  ConfigSources src;
  src.flags = {{"log.level", "debug"},
               {"pressure.min_available_memory_mb", "100"},
               {"pressure.max_memory_percent", "50"},
               {"pressure.max_cpu_percent", "60"},
               {"pressure.max_psi_some_avg10", "5"},
               {"backoff.initial_ms", "10"},
               {"backoff.max_ms", "20"},
               {"backoff.multiplier", "3"},
               {"backoff.jitter", "0"},
               {"backoff.stable_after_ms", "30"},
               {"backoff.max_restarts", "9"},
               {"backoff.restart_window_ms", "40"},
               // reloaded for the next worker start
               {"stt.engine", "moonshine"},
               {"stt.model", "base"},
               {"stt.language", "de"},
               {"stt.task", "translate"},
               {"stt.beam_size", "3"},
               {"stt.partial_beam_size", "2"},
               {"stt.compute_type", "float32"},
               {"stt.device", "auto"},
               {"stt.cpu_threads", "2"},
               {"stt.initial_prompt", "Zoë"},
               {"stt.hotwords", "Kubernetes"},
               {"stt.word_timestamps", "true"},
               {"stt.vad.end_silence_ms", "300"},
               // not reloadable
               {"listen.address", "127.0.0.1:1"},
               {"auth.token", "t0ken"},
               {"worker.ping_interval_ms", "77"},
               {"pressure.monitor_interval_ms", "55"},
               {"pressure.reopen_after_samples", "7"}};
  return load_config(src).config;
}

TEST(ReloadableKeys, AreKeysOfTheTable) {
  for (const std::string& key : reloadable_keys()) {
    EXPECT_NE(config_detail::find_key(key), nullptr) << key;
    EXPECT_TRUE(is_reloadable(key));
  }
  EXPECT_TRUE(is_reloadable("log.level"));
  EXPECT_FALSE(is_reloadable("listen.address"));
  EXPECT_FALSE(is_reloadable("auth.token"));
  EXPECT_TRUE(is_reloadable("stt.model"));
  EXPECT_TRUE(applies_at_worker_start("stt.model"));
  EXPECT_FALSE(applies_at_worker_start("log.level"));
}

TEST(ConfigChanges, NothingWhenEqual) { EXPECT_TRUE(config_changes(Config{}, Config{}).empty()); }

TEST(ConfigChanges, EachChangedKeyWithBothValuesAndWhetherItReloads) {
  Config before, after;
  after.log.level = "debug";
  after.listen.address = "127.0.0.1:1";
  const auto changes = config_changes(before, after);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].key, "listen.address");
  EXPECT_EQ(changes[0].before, "\"127.0.0.1:9860\"");
  EXPECT_EQ(changes[0].after, "\"127.0.0.1:1\"");
  EXPECT_FALSE(changes[0].reloadable);
  EXPECT_EQ(changes[1].key, "log.level");
  EXPECT_EQ(changes[1].before, "\"info\"");
  EXPECT_EQ(changes[1].after, "\"debug\"");
  EXPECT_TRUE(changes[1].reloadable);
}

TEST(ConfigChanges, NeverShowTheTokenButSeeItChange) {
  Config before, after;
  before.auth.token = "old-secret";
  after.auth.token = "new-secret";
  const auto changes = config_changes(before, after);
  ASSERT_EQ(keys_of(changes), std::vector<std::string>{"auth.token"});
  EXPECT_EQ(changes[0].before, "<set>");
  EXPECT_EQ(changes[0].after, "<set>");
}

TEST(WithReloaded, TakesExactlyTheReloadableKeys) {
  const Config running;
  const Config fresh = changed_everywhere();
  const Config next = with_reloaded(running, fresh);
  // Every reloadable key now has the fresh value, and nothing else moved.
  for (const ConfigChange& c : config_changes(next, fresh)) EXPECT_FALSE(c.reloadable) << c.key;
  for (const ConfigChange& c : config_changes(running, next)) EXPECT_TRUE(c.reloadable) << c.key;
  EXPECT_EQ(config_changes(running, next).size(), reloadable_keys().size());
}

TEST(DescribeConfigKeys, SaysWhichKeysSighupReloads) {
  const std::string text = describe_config_keys();
  EXPECT_THAT(text, HasSubstr("trace, debug, info, warn or error; reloaded on SIGHUP"));
  EXPECT_THAT(text, HasSubstr("first restart delay; reloaded on SIGHUP"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("tcp or unix (the supervisor's TRANSPORT=http|unix maps here); reloaded")));
}

}  // namespace
}  // namespace vs
