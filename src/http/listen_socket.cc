#include "http/listen_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>

#include "http/request_policy.h"

namespace vs {

namespace {

constexpr int kBacklog = 128;

std::string errno_text() { return std::strerror(errno); }

std::pair<std::string, std::string> split_host_port(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw ListenError("listen.address " + address + " is not host:port");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, address.substr(colon + 1)};
}

std::string describe_bound(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  char host[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&ss);
  inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
}

ListenSocket open_tcp(const ListenConfig& config) {
  auto [host, port] = split_host_port(config.address);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    throw ListenError("cannot resolve listen.address " + config.address + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd) { last_error = errno_text(); continue; }
    int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd.get(), kBacklog) != 0) {
      last_error = errno_text();
      continue;
    }
    std::string bound = describe_bound(fd.get());
    return ListenSocket{std::move(fd), "tcp", bound};
  }
  throw ListenError("cannot listen on " + config.address + ": " + last_error);
}

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    throw ListenError("socket path " + path + " is longer than " + std::to_string(sizeof addr.sun_path - 1) +
                      " bytes; choose a shorter listen.address");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// True when something accepts connections on the socket file (another daemon owns it).
bool socket_is_live(const sockaddr_un& addr) {
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return probe && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

void clear_stale_socket(const std::string& path, const sockaddr_un& addr) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return;  // nothing there
  if (!S_ISSOCK(st.st_mode)) {
    throw ListenError(path + " exists and is not a socket; refusing to remove it — choose another "
                             "listen.address or remove it yourself");
  }
  if (socket_is_live(addr)) {
    throw ListenError("another process is already listening on " + path);
  }
  ::unlink(path.c_str());
}

ListenSocket open_unix(const ListenConfig& config) {
  const std::string& path = config.address;
  const sockaddr_un addr = unix_address(path);
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty() && !std::filesystem::exists(dir)) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw ListenError("cannot create socket directory " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  clear_stale_socket(path, addr);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw ListenError("cannot create a Unix socket: " + errno_text());
  // Bind under a restrictive umask so the file is never briefly wider than socket_mode.
  const mode_t old_mask = ::umask(0177);
  const int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (rc != 0) throw ListenError("cannot bind " + path + ": " + std::strerror(bind_errno));
  if (::chmod(path.c_str(), config.socket_mode) != 0 || ::listen(fd.get(), kBacklog) != 0) {
    const std::string why = errno_text();
    ::unlink(path.c_str());
    throw ListenError("cannot listen on " + path + ": " + why);
  }
  return ListenSocket{std::move(fd), "unix", path};
}

int socket_option(int fd, int option) {
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, option, &value, &len) != 0) {
    throw ListenError("the passed descriptor " + std::to_string(fd) + " is not a socket: " + errno_text());
  }
  return value;
}

// The path a Unix socket is bound to; "@name" for an abstract one, "" when unnamed.
std::string unix_path(const sockaddr_un& addr, socklen_t len) {
  const size_t n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
  if (n == 0) return "";
  if (addr.sun_path[0] == '\0') return "@" + std::string(addr.sun_path + 1, n - 1);
  return std::string(addr.sun_path, strnlen(addr.sun_path, n));
}

}  // namespace

ListenSocket open_listen_socket(const ListenConfig& config) {
  return config.network == "unix" ? open_unix(config) : open_tcp(config);
}

ListenSocket adopt_listen_socket(UniqueFd fd, bool have_token) {
  if (socket_option(fd.get(), SO_TYPE) != SOCK_STREAM || socket_option(fd.get(), SO_ACCEPTCONN) == 0) {
    throw ListenError("the passed socket is not a listening stream socket (a .socket unit needs ListenStream= "
                      "and Accept=no)");
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    throw ListenError("cannot read the passed socket's address: " + errno_text());
  }
  if (ss.ss_family == AF_UNIX) {
    const std::string path = unix_path(reinterpret_cast<const sockaddr_un&>(ss), len);
    return ListenSocket{std::move(fd), "unix", path, true};
  }
  if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) {
    throw ListenError("the passed socket is neither TCP nor a Unix socket (family " + std::to_string(ss.ss_family) + ")");
  }
  std::string bound = describe_bound(fd.get());
  if (!have_token && !is_loopback_host(bound)) {
    throw ListenForbidden("the passed socket listens on " + bound +
                          ", not a loopback address; a non-loopback address needs auth.token "
                          "(JARVIS_VOICE_SIDECAR_TOKEN)");
  }
  return ListenSocket{std::move(fd), "tcp", bound, true};
}

void remove_socket_file(const ListenSocket& socket) {
  if (socket.network != "unix" || socket.passed) return;
  struct stat st{};
  if (::lstat(socket.address.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(socket.address.c_str());
}

}  // namespace vs
