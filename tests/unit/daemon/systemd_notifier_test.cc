// SystemdNotifier against a datagram socket the test owns, as systemd's NOTIFY_SOCKET would be.
#include "daemon/systemd_notifier.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "common/unique_fd.h"

namespace vs {
namespace {

// An AF_UNIX datagram socket bound in a fresh directory, named by NOTIFY_SOCKET while it lives.
class NotifySocket {
 public:
  NotifySocket() {
    char dir[] = "/tmp/vs-notify-XXXXXX";
    dir_ = ::mkdtemp(dir);
    path_ = dir_ + "/notify";
    fd_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    std::filesystem::remove_all(dir_);
  }

  // The next datagram, or "" after a second.
  std::string receive() {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1) return "";
    char buf[4096];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  std::string dir_, path_;
  UniqueFd fd_;
};

class SystemdNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef VS_HAVE_SYSTEMD
    GTEST_SKIP() << "built without libsystemd: the notifier is a no-op";
#endif
  }
  void TearDown() override {
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
};

TEST_F(SystemdNotifierTest, SendsEachStateAsOneDatagram) {
  NotifySocket socket;
  SystemdNotifier sd;
  ASSERT_TRUE(sd.enabled());
  sd.ready();
  EXPECT_EQ(socket.receive(), "READY=1");
  sd.status("worker running (pid 123)");
  EXPECT_EQ(socket.receive(), "STATUS=worker running (pid 123)");
  sd.watchdog();
  EXPECT_EQ(socket.receive(), "WATCHDOG=1");
  sd.reloading();
  const std::string reloading = socket.receive();
  EXPECT_TRUE(reloading.starts_with("RELOADING=1\nMONOTONIC_USEC=")) << reloading;
  EXPECT_GT(std::stoull(reloading.substr(reloading.find('=', 12) + 1)), 0u);
  sd.stopping();
  EXPECT_EQ(socket.receive(), "STOPPING=1");
}

TEST_F(SystemdNotifierTest, AStatusIsOneLine) {
  NotifySocket socket;
  SystemdNotifier sd;
  sd.status("worker failed: boom\nREADY=1");  // a newline must not smuggle in another assignment
  EXPECT_EQ(socket.receive(), "STATUS=worker failed: boom");
}

TEST_F(SystemdNotifierTest, WatchdogIntervalIsHalfOfWatchdogUsecWhenItIsForThisProcess) {
  NotifySocket socket;
  ::setenv("WATCHDOG_USEC", "200000", 1);
  EXPECT_EQ(SystemdNotifier().watchdog_interval(), std::chrono::microseconds(100000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(SystemdNotifier().watchdog_interval(), std::chrono::microseconds(100000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);  // meant for another process
  EXPECT_EQ(SystemdNotifier().watchdog_interval(), std::nullopt);
}

TEST(SystemdNotifier, OutsideSystemdEveryCallIsANoOp) {
  ::unsetenv("NOTIFY_SOCKET");
  ::setenv("WATCHDOG_USEC", "200000", 1);
  SystemdNotifier sd;
  EXPECT_FALSE(sd.enabled());
  EXPECT_EQ(sd.watchdog_interval(), std::nullopt);  // nobody to ping
  sd.ready();
  sd.status("x");
  sd.watchdog();
  sd.reloading();
  sd.stopping();
  ::unsetenv("WATCHDOG_USEC");
}

}  // namespace
}  // namespace vs
