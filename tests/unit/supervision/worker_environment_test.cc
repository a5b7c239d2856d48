// The worker never inherits the daemon's secrets: the auth variables and anything holding the
// token are withheld from the environment it is spawned with.
#include "supervision/worker_environment.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include "supervision/child_process.h"

namespace vs {
namespace {

using namespace std::chrono_literals;

TEST(WithheldVariables, AreTheAuthVariablesAndAnyHoldingTheToken) {
  const std::map<std::string, std::string> env = {{"JARVIS_VOICE_SIDECAR_TOKEN", "s3cret"},
                                                  {"MY_WRAPPER_SECRET", "s3cret"},
                                                  {"JARVIS_VOICE_SIDECAR_LOG_LEVEL", "debug"},
                                                  {"PATH", "/usr/bin"}};
  const auto withheld = withheld_variables(env, "s3cret");
  EXPECT_TRUE(withheld.count("JARVIS_VOICE_SIDECAR_TOKEN"));
  EXPECT_TRUE(withheld.count("JARVIS_VOICE_SIDECAR_TOKEN_FILE"));
  EXPECT_TRUE(withheld.count("MY_WRAPPER_SECRET"));
  EXPECT_FALSE(withheld.count("JARVIS_VOICE_SIDECAR_LOG_LEVEL"));
  EXPECT_FALSE(withheld.count("PATH"));
}

TEST(WithheldVariables, WithoutATokenOnlyTheAuthNames) {
  const auto withheld = withheld_variables({{"EMPTY", ""}, {"PATH", "/usr/bin"}}, "");
  EXPECT_EQ(withheld, (std::set<std::string>{"JARVIS_VOICE_SIDECAR_TOKEN", "JARVIS_VOICE_SIDECAR_TOKEN_FILE"}));
}

std::string read_all(UniqueFd& fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(WithheldVariables, NeverReachTheSpawnedProcess) {
  ::setenv("JARVIS_VOICE_SIDECAR_TOKEN", "s3cret-env-test", 1);
  ::setenv("VS_TEST_KEPT", "kept", 1);
  auto child = ChildProcess::spawn({{"/usr/bin/env"}, "", {}, {"JARVIS_VOICE_SIDECAR_TOKEN"}});
  WorkerPipes pipes = child->take_pipes();
  const std::string env = read_all(pipes.stdout_read);
  ASSERT_TRUE(child->wait_for(5s));
  ::unsetenv("JARVIS_VOICE_SIDECAR_TOKEN");
  ::unsetenv("VS_TEST_KEPT");
  EXPECT_EQ(env.find("s3cret-env-test"), std::string::npos) << env;
  EXPECT_NE(env.find("VS_TEST_KEPT=kept\n"), std::string::npos) << env;
}

}  // namespace
}  // namespace vs
