// The Wyoming listener's keys: off by default, loopback unless wyoming.allow_remote says
// otherwise (Wyoming has no auth), and a bad address is an error naming wyoming.listen.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/load_config.h"
#include "config_test_util.h"

namespace vs {
namespace {

using ::testing::HasSubstr;
using testing_config::config_error;

LoadedConfig load_flags(std::vector<std::pair<std::string, std::string>> flags) {
  ConfigSources src;
  src.flags = std::move(flags);
  return load_config(src);
}

TEST(WyomingConfig, OffByDefault) {
  const LoadedConfig loaded = load_flags({});
  EXPECT_EQ(loaded.config.wyoming.listen, "");
  EXPECT_FALSE(loaded.config.wyoming.allow_remote);
  EXPECT_EQ(loaded.config.wyoming.queue_timeout_ms, 30000);
}

TEST(WyomingConfig, AcceptsLoopbackTcpAndUnix) {
  EXPECT_EQ(load_flags({{"wyoming.listen", "tcp://127.0.0.1:10300"}}).config.wyoming.listen, "tcp://127.0.0.1:10300");
  EXPECT_EQ(load_flags({{"wyoming.listen", "tcp://[::1]:0"}}).config.wyoming.listen, "tcp://[::1]:0");
  EXPECT_EQ(load_flags({{"wyoming.listen", "unix:///run/vs/wyoming.sock"}}).config.wyoming.listen,
            "unix:///run/vs/wyoming.sock");
}

TEST(WyomingConfig, NonLoopbackNeedsAllowRemote) {
  const ConfigError e = config_error([] { load_flags({{"wyoming.listen", "tcp://0.0.0.0:10300"}}); });
  EXPECT_EQ(e.key(), "wyoming.listen");
  EXPECT_THAT(e.what(), HasSubstr("wyoming.allow_remote"));
  const LoadedConfig ok = load_flags({{"wyoming.listen", "tcp://0.0.0.0:10300"}, {"wyoming.allow_remote", "true"}});
  EXPECT_TRUE(ok.config.wyoming.allow_remote);
}

TEST(WyomingConfig, MalformedAddressesNameTheKey) {
  for (const char* bad : {"127.0.0.1:10300", "tcp://127.0.0.1", "tcp://127.0.0.1:70000", "unix://relative.sock",
                          "http://127.0.0.1:10300"}) {
    const ConfigError e = config_error([&] { load_flags({{"wyoming.listen", bad}}); });
    EXPECT_EQ(e.key(), "wyoming.listen") << bad;
    EXPECT_THAT(e.what(), HasSubstr("tcp://HOST:PORT")) << bad;
  }
}

TEST(WyomingConfig, QueueTimeoutHasARange) {
  const ConfigError e = config_error([] { load_flags({{"wyoming.queue_timeout_ms", "0"}}); });
  EXPECT_EQ(e.key(), "wyoming.queue_timeout_ms");
}

}  // namespace
}  // namespace vs
