// auth.token_file: read at load time, held to ssh's rule for private keys, and never beside
// auth.token; and the token's upper bound, whichever way it came.
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/http_limits.h"
#include "config/load_config.h"
#include "config_test_util.h"

namespace vs {
namespace {

using ::testing::HasSubstr;
using testing_config::config_error;
using testing_config::TempDir;

std::string token_file(const TempDir& dir, const std::string& text, mode_t mode = 0600) {
  const std::string path = dir.write("token", text);
  ::chmod(path.c_str(), mode);
  return path;
}

LoadedConfig load_flags(std::vector<std::pair<std::string, std::string>> flags) {
  ConfigSources src;
  src.flags = std::move(flags);
  return load_config(src);
}

TEST(TokenFile, IsReadWithOneTrailingNewlineDropped) {
  TempDir dir;
  for (const std::string text : {"s3cret", "s3cret\n", "s3cret\r\n"}) {
    const LoadedConfig c = load_flags({{"auth.token_file", token_file(dir, text)}});
    EXPECT_EQ(c.config.auth.token, "s3cret");
    EXPECT_EQ(c.origins.at("auth.token"), "token file " + dir.path("token"));
  }
}

TEST(TokenFile, ComesFromTheEnvironmentUnderItsOwnName) {
  TempDir dir;
  const LoadedConfig c = testing_config::load_env({{"JARVIS_VOICE_SIDECAR_TOKEN_FILE", token_file(dir, "s3cret\n")}});
  EXPECT_EQ(c.config.auth.token, "s3cret");
  EXPECT_EQ(c.origins.at("auth.token_file"), "env JARVIS_VOICE_SIDECAR_TOKEN_FILE");
}

TEST(TokenFile, AllowsANonLoopbackAddress) {
  TempDir dir;
  const LoadedConfig c = load_flags({{"listen.address", "0.0.0.0:0"}, {"auth.token_file", token_file(dir, "s3cret")}});
  EXPECT_EQ(c.config.auth.token, "s3cret");
}

TEST(TokenFile, OpenToGroupOrOthersIsRefusedWithTheChmodFix) {
  TempDir dir;
  for (mode_t mode : {0644, 0640, 0604, 0660, 0606, 0610, 0601}) {
    const std::string path = token_file(dir, "s3cret", mode);
    const ConfigError e = config_error([&] { load_flags({{"auth.token_file", path}}); });
    EXPECT_EQ(e.key(), "auth.token_file");
    EXPECT_THAT(e.what(), HasSubstr(path));
    EXPECT_THAT(e.what(), HasSubstr("chmod 600 " + path)) << std::oct << mode;
  }
  for (mode_t mode : {0600, 0400}) {
    EXPECT_EQ(load_flags({{"auth.token_file", token_file(dir, "s3cret", mode)}}).config.auth.token, "s3cret");
  }
}

TEST(TokenFile, MustBeARegularFileThatExistsAndHoldsAToken) {
  TempDir dir;
  struct Bad {
    std::string path, says;
  };
  ::mkfifo(dir.path("fifo").c_str(), 0600);
  ::mkdir(dir.path("dir").c_str(), 0700);
  for (const Bad& bad : {Bad{dir.path("missing"), "cannot be opened: No such file or directory"},
                         Bad{dir.path("dir"), "is a directory"}, Bad{dir.path("fifo"), "is a FIFO"},
                         Bad{"/dev/null", "is a character device"}, Bad{token_file(dir, ""), "is empty"},
                         Bad{token_file(dir, "\n"), "is empty"}}) {
    const ConfigError e = config_error([&] { load_flags({{"auth.token_file", bad.path}}); });
    EXPECT_EQ(e.key(), "auth.token_file");
    EXPECT_THAT(e.what(), HasSubstr(bad.path));
    EXPECT_THAT(e.what(), HasSubstr(bad.says));
  }
}

TEST(TokenFile, ASymlinkToAGoodFileIsFollowed) {
  TempDir dir;
  const std::string target = token_file(dir, "s3cret\n");
  ASSERT_EQ(::symlink(target.c_str(), dir.path("link").c_str()), 0);
  EXPECT_EQ(load_flags({{"auth.token_file", dir.path("link")}}).config.auth.token, "s3cret");
}

TEST(TokenFile, IsNotAllowedBesideAToken) {
  TempDir dir;
  const ConfigError e = config_error(
      [&] { load_flags({{"auth.token", "other"}, {"auth.token_file", token_file(dir, "s3cret")}}); });
  EXPECT_EQ(e.key(), "auth.token_file");
  EXPECT_THAT(e.what(), HasSubstr("together with auth.token"));
  EXPECT_THAT(e.what(), HasSubstr("flag --auth.token"));
}

TEST(TokenFile, ItsContentIsCheckedLikeAnyToken) {
  TempDir dir;
  const ConfigError e = config_error([&] { load_flags({{"auth.token_file", token_file(dir, "two\nlines\n")}}); });
  EXPECT_EQ(e.key(), "auth.token");
  EXPECT_THAT(e.what(), HasSubstr("printable characters without blanks (from token file"));
}

TEST(TokenLength, ATokenThatCannotFitInARequestHeadIsAnError) {
  TempDir dir;
  const std::string longest(kMaxTokenBytes, 'a');
  EXPECT_EQ(load_flags({{"auth.token", longest}}).config.auth.token, longest);
  EXPECT_EQ(load_flags({{"auth.token_file", token_file(dir, longest + "\n")}}).config.auth.token, longest);

  const ConfigError flag = config_error([&] { load_flags({{"auth.token", longest + "a"}}); });
  EXPECT_EQ(flag.key(), "auth.token");
  EXPECT_THAT(flag.what(), HasSubstr("at most " + std::to_string(kMaxTokenBytes) + " bytes"));
  const ConfigError file = config_error([&] { load_flags({{"auth.token_file", token_file(dir, longest + "a")}}); });
  EXPECT_EQ(file.key(), "auth.token_file");
  EXPECT_THAT(file.what(), HasSubstr("a token is at most " + std::to_string(kMaxTokenBytes) + " bytes"));
  // A huge file is refused without being read whole.
  const ConfigError huge =
      config_error([&] { load_flags({{"auth.token_file", token_file(dir, std::string(1 << 20, 'a'))}}); });
  EXPECT_THAT(huge.what(), HasSubstr("holds more than"));
}

}  // namespace
}  // namespace vs
