// adopt_listen_socket(): a listening socket someone else made (systemd's socket activation) is
// taken only if it is a listening stream socket, and a non-loopback TCP one only with a token;
// its file is never ours to remove.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <gtest/gtest.h>

#include "http/listen_socket.h"

namespace vs {
namespace {

UniqueFd tcp_socket(const char* host, bool listening, int type = SOCK_STREAM) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, host, &addr.sin_addr);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  if (listening) {
    EXPECT_EQ(::listen(fd.get(), 4), 0);
  }
  return fd;
}

int port_of(const UniqueFd& fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

TEST(AdoptListenSocket, LoopbackTcp) {
  UniqueFd fd = tcp_socket("127.0.0.1", true);
  const int port = port_of(fd);
  const ListenSocket s = adopt_listen_socket(std::move(fd), /*have_token=*/false);
  EXPECT_EQ(s.network, "tcp");
  EXPECT_EQ(s.address, "127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(s.passed);
  EXPECT_TRUE(s.fd.valid());
}

TEST(AdoptListenSocket, NonLoopbackTcpNeedsAToken) {
  EXPECT_THROW(adopt_listen_socket(tcp_socket("0.0.0.0", true), false), ListenForbidden);
  const ListenSocket s = adopt_listen_socket(tcp_socket("0.0.0.0", true), true);
  EXPECT_EQ(s.address.substr(0, 8), "0.0.0.0:");
}

TEST(AdoptListenSocket, RefusesWhatIsNotAListeningStreamSocket) {
  EXPECT_THROW(adopt_listen_socket(tcp_socket("127.0.0.1", false), false), ListenError);  // not listening
  EXPECT_THROW(adopt_listen_socket(tcp_socket("127.0.0.1", false, SOCK_DGRAM), false), ListenError);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  UniqueFd keep_write_end(pipe_fds[1]);
  EXPECT_THROW(adopt_listen_socket(UniqueFd(pipe_fds[0]), false), ListenError);
}

TEST(AdoptListenSocket, AUnixSocketIsServedAndItsFileLeftAlone) {
  char dir[] = "/tmp/vs-adopt-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/sock";
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd.get(), 4), 0);

  const ListenSocket s = adopt_listen_socket(std::move(fd), false);
  EXPECT_EQ(s.network, "unix");
  EXPECT_EQ(s.address, path);
  remove_socket_file(s);
  struct stat st{};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << "a passed socket's file belongs to systemd";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vs
