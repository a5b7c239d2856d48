#include "supervision/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "test_helpers.h"

namespace vs {
namespace {

using namespace std::chrono_literals;
using test::wait_until;

std::string read_all(UniqueFd& fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/vs-child-XXXXXX";
  return ::mkdtemp(tmpl);
}

TEST(ChildProcess, SpawnsAndReapsWithExitCode) {
  auto child = ChildProcess::spawn({{"/bin/sh", "-c", "exit 3"}, "", {}});
  ASSERT_GT(child->pid(), 0);
  auto status = child->wait_for(5s);
  ASSERT_TRUE(status);
  EXPECT_FALSE(status->signaled);
  EXPECT_EQ(status->code, 3);
  EXPECT_EQ(status->describe(), "exit code 3");
  EXPECT_TRUE(child->has_exited());
  EXPECT_EQ(test::proc_state(child->pid()), '\0');  // reaped: no zombie
}

TEST(ChildProcess, SearchesPathAndPassesEnvAndWorkingDir) {
  auto child = ChildProcess::spawn({{"sh", "-c", "echo \"$VS_TEST_VAR\"; pwd"}, "/tmp", {{"VS_TEST_VAR", "hello"}}});
  WorkerPipes pipes = child->take_pipes();
  EXPECT_EQ(read_all(pipes.stdout_read), "hello\n/tmp\n");
  ASSERT_TRUE(child->wait_for(5s));
}

TEST(ChildProcess, MissingBinaryIsASpawnErrorNamingIt) {
  try {
    ChildProcess::spawn({{"/nonexistent/vs-no-such-worker"}, "", {}});
    FAIL() << "no exception";
  } catch (const SpawnError& e) {
    EXPECT_STREQ(e.what(), "cannot start worker: /nonexistent/vs-no-such-worker: No such file or directory");
  }
  try {
    ChildProcess::spawn({{"vs-no-such-worker-in-path"}, "", {}});
    FAIL() << "no exception";
  } catch (const SpawnError& e) {
    EXPECT_STREQ(e.what(), "cannot start worker: vs-no-such-worker-in-path: No such file or directory");
  }
}

TEST(ChildProcess, BadWorkingDirIsASpawnError) {
  EXPECT_THROW(ChildProcess::spawn({{"/bin/true"}, "/nonexistent/dir", {}}), SpawnError);
}

TEST(ChildProcess, OnlyStdioIsInherited) {
  // A descriptor the daemon forgot to mark close-on-exec must still not reach the worker.
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 0);
  auto child = ChildProcess::spawn({{"/bin/sh", "-c", "ls /proc/$$/fd"}, "", {}});
  ::close(leaky);
  WorkerPipes pipes = child->take_pipes();
  EXPECT_EQ(read_all(pipes.stdout_read), "0\n1\n2\n");
  ASSERT_TRUE(child->wait_for(5s));
}

TEST(ChildProcess, SignalGroupKillsGrandchildren) {
  const std::string dir = temp_dir();
  const std::string pidfile = dir + "/worker.pid";
  auto child = ChildProcess::spawn(
      {{test::python(), test::test_worker(), "--spawn-grandchild", "--pidfile", pidfile}, "", {}});
  std::optional<pid_t> grandchild;
  ASSERT_TRUE(wait_until([&] { return (grandchild = test::read_pid(pidfile + ".child")).has_value(); }));
  EXPECT_FALSE(test::dead(*grandchild));
  child->signal_group(SIGKILL);
  auto status = child->wait_for(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->signaled);
  EXPECT_EQ(status->code, SIGKILL);
  EXPECT_EQ(status->describe(), "killed by signal 9 (SIGKILL)");
  EXPECT_TRUE(wait_until([&] { return test::dead(*grandchild); }, 5s)) << "grandchild " << *grandchild;
  std::filesystem::remove_all(dir);
}

TEST(ChildProcess, DestructorKillsARunningProcess) {
  pid_t pid;
  {
    auto child = ChildProcess::spawn({{"sleep", "100"}, "", {}});
    pid = child->pid();
    EXPECT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_EQ(test::proc_state(pid), '\0');  // killed and reaped, not a zombie
}

TEST(ChildProcess, PidfdBecomesReadableOnExit) {
  auto child = ChildProcess::spawn({{"sleep", "0.2"}, "", {}});
  pollfd p{child->pidfd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
  EXPECT_FALSE(child->has_exited());
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  EXPECT_TRUE(child->has_exited());
  auto status = child->wait_for(0ms);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0);
}

TEST(ChildProcess, WaitForTimesOutWhileRunning) {
  auto child = ChildProcess::spawn({{"sleep", "100"}, "", {}});
  EXPECT_FALSE(child->wait_for(50ms));
  child->signal_group(SIGTERM);
  auto status = child->wait_for(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->signaled);
  child->signal_group(SIGKILL);  // a no-op after reaping
}

TEST(ChildProcess, ResetsSignalMaskAndIgnoredSignals) {
  // The daemon may block or ignore SIGTERM in the spawning thread; the worker must not inherit it.
  sigset_t term, saved;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, &saved), 0);
  auto old_handler = ::signal(SIGTERM, SIG_IGN);
  auto child = ChildProcess::spawn({{"sleep", "100"}, "", {}});
  ::signal(SIGTERM, old_handler);
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);

  const std::string status_text = test::read_file("/proc/" + std::to_string(child->pid()) + "/status");
  EXPECT_NE(status_text.find("SigBlk:\t0000000000000000"), std::string::npos) << status_text;
  EXPECT_NE(status_text.find("SigIgn:\t0000000000000000"), std::string::npos) << status_text;
  child->signal_group(SIGTERM);
  auto status = child->wait_for(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->signaled);
  EXPECT_EQ(status->code, SIGTERM);
}

TEST(ChildProcess, OwnProcessGroup) {
  auto child = ChildProcess::spawn({{"sleep", "100"}, "", {}});
  EXPECT_EQ(::getpgid(child->pid()), child->pid());
}

}  // namespace
}  // namespace vs
