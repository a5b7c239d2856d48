// A small HTTP/1.1 load client for the daemon's Unix socket (and TCP, so both transports are
// measured by the same tool): N keep-alive connections, each sending
// `GET <path> HTTP/1.1` and reading the whole answer (head + Content-Length body) before the
// next request, for D seconds, like wrk. Each request is timed from its write to the last byte of
// its answer. One epoll loop per thread (the connections split evenly between them),
// non-blocking sockets, no pipelining. Prints one JSON object.
//
//   build/bench_http_load --unix /run/voice-sidecar.sock --path /v1/health --connections 16 --seconds 10
//   build/bench_http_load --tcp 127.0.0.1:9860 --path /v1/control/status -c 64 -d 10 -t 2
//
// Errors: answers other than 200, and connections that fail (refused, reset, closed before or in
// the middle of an answer, an unparsable head); a failed connection is reopened and counted once.
// Only requests answered before the deadline count; latencies are of those. `latency_ms` counts
// each request once; `latency_ms_as_wrk` is what wrk would print for the same run (it adds the
// requests a stalled connection held back, see wrk_percentiles), for comparing with wrk's figures.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string unix_path;
  std::string host;
  std::string port;
  std::string path = "/v1/health";
  int connections = 16;
  double seconds = 10;
  int threads = 0;  // 0: one per core, at most one per connection
};

struct Target {
  sockaddr_storage addr{};
  socklen_t len = 0;
  bool tcp = false;
};

struct Stats {
  std::vector<std::uint32_t> latency_ns;  // < 4.29 s; longer ones are clamped
  std::map<int, std::uint64_t> status;
  std::uint64_t connect_errors = 0;
  std::uint64_t read_errors = 0;   // reset, EOF or a bad head in the middle of an answer
  std::uint64_t write_errors = 0;
  std::uint64_t reconnects = 0;
};

struct Conn {
  int fd = -1;
  bool connecting = false;
  bool want_out = false;  // EPOLLOUT registered (connecting, or a short write)
  std::size_t written = 0;
  std::string in;
  std::size_t body_need = 0;  // bytes of the answer (head + body) once the head is parsed
  int status = 0;
  bool close_after = false;
  Clock::time_point sent;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_http_load: %s\n", what.c_str());
  std::exit(2);
}

void usage() {
  std::fprintf(stderr,
               "usage: bench_http_load (--unix PATH | --tcp HOST:PORT) [--path /v1/health]\n"
               "                       [--connections|-c N] [--seconds|-d S] [--threads|-t T]\n");
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--unix") {
      o.unix_path = value();
    } else if (a == "--tcp") {
      std::string hp = value();
      auto colon = hp.rfind(':');
      if (colon == std::string::npos) die("--tcp wants HOST:PORT");
      o.host = hp.substr(0, colon);
      o.port = hp.substr(colon + 1);
      if (o.host.size() > 2 && o.host.front() == '[' && o.host.back() == ']') o.host = o.host.substr(1, o.host.size() - 2);
    } else if (a == "--path") {
      o.path = value();
    } else if (a == "--connections" || a == "-c") {
      o.connections = std::atoi(value().c_str());
    } else if (a == "--seconds" || a == "-d") {
      o.seconds = std::atof(value().c_str());
    } else if (a == "--threads" || a == "-t") {
      o.threads = std::atoi(value().c_str());
    } else {
      usage();
    }
  }
  if (o.unix_path.empty() == o.host.empty()) usage();
  if (o.connections < 1 || o.seconds <= 0 || o.threads < 0) usage();
  if (o.threads == 0) o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.threads = std::min(o.threads, o.connections);
  return o;
}

Target resolve(const Options& o) {
  Target t;
  if (!o.unix_path.empty()) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (o.unix_path.size() >= sizeof un.sun_path) die("socket path too long");
    std::memcpy(un.sun_path, o.unix_path.data(), o.unix_path.size());
    std::memcpy(&t.addr, &un, sizeof un);
    t.len = sizeof un;
    return t;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(o.host.c_str(), o.port.c_str(), &hints, &res); rc != 0 || !res)
    die("cannot resolve " + o.host + ":" + o.port + ": " + gai_strerror(rc));
  std::memcpy(&t.addr, res->ai_addr, res->ai_addrlen);
  t.len = res->ai_addrlen;
  t.tcp = true;
  freeaddrinfo(res);
  return t;
}

// Case-insensitive search for a header line's value in the head (the part before "\r\n\r\n").
bool header(std::string_view head, std::string_view name, std::string_view& value) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    std::size_t start = pos + 2;
    std::size_t end = head.find("\r\n", start);
    std::string_view line = head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        std::equal(name.begin(), name.end(), line.begin(),
                   [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y)); })) {
      value = line.substr(name.size() + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      return true;
    }
    pos = end;
  }
  return false;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

class Worker {
 public:
  Worker(const Target& target, const std::string& request, int connections, Clock::time_point deadline)
      : target_(target), request_(request), conns_(static_cast<std::size_t>(connections)), deadline_(deadline) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) die(std::string("epoll_create1: ") + std::strerror(errno));
    stats_.latency_ns.reserve(1 << 20);
  }
  ~Worker() {
    for (auto& c : conns_)
      if (c.fd >= 0) ::close(c.fd);
    ::close(ep_);
  }

  void run() {
    for (std::size_t i = 0; i < conns_.size(); ++i) open(i);
    std::vector<epoll_event> events(conns_.size() + 1);
    for (;;) {
      auto now = Clock::now();
      if (now >= deadline_) break;
      int wait_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(deadline_ - now).count());
      int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), std::min(wait_ms, 100));
      if (n < 0) {
        if (errno == EINTR) continue;
        die(std::string("epoll_wait: ") + std::strerror(errno));
      }
      for (int k = 0; k < n; ++k) {
        std::size_t i = events[k].data.u64;
        std::uint32_t ev = events[k].events;
        Conn& c = conns_[i];
        if (c.fd < 0) continue;
        if (c.connecting) {
          int err = 0;
          socklen_t len = sizeof err;
          getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
          if (err != 0 || (ev & (EPOLLERR | EPOLLHUP))) {
            ++stats_.connect_errors;
            reopen(i);
            continue;
          }
          c.connecting = false;
          send_request(i);
          continue;
        }
        if ((ev & EPOLLOUT) && c.want_out) {
          write_more(i);
          if (conns_[i].fd < 0 || conns_[i].want_out) continue;
        }
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) read_answer(i);
      }
    }
  }

  Stats& stats() { return stats_; }

 private:
  // Opens connection i; a refused connection (or, on a Unix socket, a full backlog: EAGAIN) is
  // counted and retried after 1 ms until the deadline.
  void open(std::size_t i) {
    Conn& c = conns_[i];
    while (Clock::now() < deadline_) {
      c = Conn{};
      int fd = ::socket(target_.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
      if (target_.tcp) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&target_.addr), target_.len);
      if (rc != 0 && errno != EINPROGRESS) {
        ++stats_.connect_errors;
        ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      c.fd = fd;
      epoll_event ev{};
      ev.data.u64 = i;
      if (rc == 0) {
        ev.events = EPOLLIN;
        epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
        send_request(i);
      } else {
        c.connecting = true;
        c.want_out = true;
        ev.events = EPOLLIN | EPOLLOUT;
        epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
      }
      return;
    }
  }

  // Closes connection i and opens a new one (the caller counted the error, if it was one).
  void reopen(std::size_t i) {
    Conn& c = conns_[i];
    if (c.fd >= 0) {
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
      c.fd = -1;
    }
    ++stats_.reconnects;
    if (Clock::now() < deadline_) open(i);
  }

  void set_out(std::size_t i, bool on) {
    Conn& c = conns_[i];
    if (c.want_out == on) return;
    c.want_out = on;
    epoll_event ev{};
    ev.data.u64 = i;
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void send_request(std::size_t i) {
    Conn& c = conns_[i];
    c.written = 0;
    c.in.clear();
    c.body_need = 0;
    c.status = 0;
    c.close_after = false;
    c.sent = Clock::now();
    write_more(i);
  }

  void write_more(std::size_t i) {
    Conn& c = conns_[i];
    while (c.written < request_.size()) {
      ssize_t n = ::send(c.fd, request_.data() + c.written, request_.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        set_out(i, true);
        return;
      }
      ++stats_.write_errors;
      reopen(i);
      return;
    }
    set_out(i, false);
  }

  void read_answer(std::size_t i) {
    Conn& c = conns_[i];
    char buf[16384];
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        if (parse(i)) return;  // answered (and the next request sent) or the connection reopened
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      // EOF or a reset before the answer was complete: a request is always outstanding, so
      // this loses one.
      ++stats_.read_errors;
      reopen(i);
      return;
    }
  }

  // True when this connection's state changed under the caller (answer complete, or reopened).
  bool parse(std::size_t i) {
    Conn& c = conns_[i];
    if (c.body_need == 0) {
      std::size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.in.size() > 65536) {
          ++stats_.read_errors;
          reopen(i);
          return true;
        }
        return false;
      }
      std::string_view head(c.in.data(), end);
      // "HTTP/1.1 200 OK"
      if (head.size() < 12 || head.substr(0, 5) != "HTTP/") {
        ++stats_.read_errors;
        reopen(i);
        return true;
      }
      c.status = std::atoi(std::string(head.substr(9, 3)).c_str());
      std::string_view v;
      std::size_t length = 0;
      if (header(head, "Content-Length", v)) {
        length = static_cast<std::size_t>(std::strtoull(std::string(v).c_str(), nullptr, 10));
      } else if (header(head, "Transfer-Encoding", v)) {
        ++stats_.read_errors;  // not used by the daemon's plain answers; not supported here
        reopen(i);
        return true;
      }
      if (header(head, "Connection", v) && iequals(v, "close")) c.close_after = true;
      c.body_need = end + 4 + length;
    }
    if (c.in.size() < c.body_need) return false;
    auto now = Clock::now();
    if (now < deadline_) {
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.sent).count();
      stats_.latency_ns.push_back(static_cast<std::uint32_t>(std::min<long long>(ns, UINT32_MAX)));
      ++stats_.status[c.status];
    }
    if (c.close_after || c.in.size() > c.body_need) {
      // The server closes (or sent more than one answer): start afresh, not an error.
      reopen(i);
      return true;
    }
    send_request(i);
    return true;
  }

  const Target& target_;
  const std::string& request_;
  std::vector<Conn> conns_;
  Clock::time_point deadline_;
  int ep_ = -1;
  Stats stats_;
};

double ms(std::uint32_t ns) { return ns / 1e6; }

// The percentiles wrk prints: its latencies are whole microseconds, and before printing it adds
// the requests a closed loop "missed" while one was slow (coordinated omission): every answer
// that took L >= 2*I, where I = run time / (answers per connection), also counts as answers of
// L-I, L-2I, ... while above I. A stall of a connection thus weighs as much as the requests it
// held back; the raw percentiles above count each request once. Both are reported so the two
// tools can be compared like for like.
std::vector<double> wrk_percentiles(const std::vector<std::uint32_t>& sorted_ns, double seconds, int connections,
                                    std::initializer_list<double> ps) {
  std::vector<double> out;
  if (sorted_ns.empty()) return std::vector<double>(ps.size(), 0.0);
  std::uint64_t max_us = std::min<std::uint64_t>(sorted_ns.back() / 1000, 10'000'000);
  std::vector<std::uint64_t> hist(max_us + 1, 0);
  for (auto ns : sorted_ns) ++hist[std::min<std::uint64_t>(ns / 1000, max_us)];
  std::uint64_t count = sorted_ns.size();
  std::uint64_t per_conn = count / static_cast<std::uint64_t>(connections);
  if (per_conn > 0) {
    auto interval = static_cast<std::int64_t>(seconds * 1e6) / static_cast<std::int64_t>(per_conn);
    if (interval > 0) {
      for (auto n = static_cast<std::uint64_t>(2 * interval); n <= max_us; ++n) {
        if (hist[n] == 0) continue;
        for (std::int64_t m = static_cast<std::int64_t>(n) - interval; m > interval; m -= interval) {
          hist[static_cast<std::size_t>(m)] += hist[n];
          count += hist[n];
        }
      }
    }
  }
  for (double p : ps) {
    auto rank = static_cast<std::uint64_t>(std::llround(p / 100.0 * static_cast<double>(count) + 0.5));
    std::uint64_t total = 0;
    std::size_t i = 0;
    for (; i < hist.size(); ++i) {
      total += hist[i];
      if (total >= rank) break;
    }
    out.push_back(static_cast<double>(std::min(i, hist.size() - 1)) / 1000.0);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  Target target = resolve(o);
  std::string request = "GET " + o.path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";

  std::vector<std::unique_ptr<Worker>> workers;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  for (int t = 0; t < o.threads; ++t) {
    int n = o.connections / o.threads + (t < o.connections % o.threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(target, request, n, deadline));
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(deadline - start).count();  // answers after it are not counted

  Stats all;
  for (auto& w : workers) {
    Stats& s = w->stats();
    all.latency_ns.insert(all.latency_ns.end(), s.latency_ns.begin(), s.latency_ns.end());
    for (auto& [code, n] : s.status) all.status[code] += n;
    all.connect_errors += s.connect_errors;
    all.read_errors += s.read_errors;
    all.write_errors += s.write_errors;
    all.reconnects += s.reconnects;
  }
  std::sort(all.latency_ns.begin(), all.latency_ns.end());
  auto pct = [&](double p) -> double {
    if (all.latency_ns.empty()) return 0;
    std::size_t k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(all.latency_ns.size() - 1) + 0.5);
    return ms(all.latency_ns[std::min(k, all.latency_ns.size() - 1)]);
  };
  double sum = 0;
  for (auto ns : all.latency_ns) sum += ns;
  std::uint64_t requests = all.latency_ns.size();
  std::uint64_t non_200 = requests - (all.status.count(200) ? all.status[200] : 0);
  std::uint64_t errors = non_200 + all.connect_errors + all.read_errors + all.write_errors;

  auto corrected = wrk_percentiles(all.latency_ns, elapsed, o.connections, {50, 90, 99});

  std::string status_json;
  for (auto& [code, n] : all.status) {
    if (!status_json.empty()) status_json += ", ";
    status_json += "\"" + std::to_string(code) + "\": " + std::to_string(n);
  }
  std::string where = o.unix_path.empty() ? "tcp:" + o.host + ":" + o.port : "unix:" + o.unix_path;
  std::printf(
      "{\"target\": \"%s\", \"path\": \"%s\", \"connections\": %d, \"threads\": %d, \"seconds\": %.3f,\n"
      " \"requests\": %llu, \"requests_per_s\": %.1f,\n"
      " \"latency_ms\": {\"mean\": %.3f, \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f},\n"
      " \"latency_ms_as_wrk\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f},\n"
      " \"status\": {%s},\n"
      " \"errors\": {\"total\": %llu, \"non_200\": %llu, \"connect\": %llu, \"read\": %llu, \"write\": %llu},"
      " \"reconnects\": %llu}\n",
      where.c_str(), o.path.c_str(), o.connections, o.threads, elapsed, static_cast<unsigned long long>(requests),
      requests / elapsed, requests ? sum / requests / 1e6 : 0.0, pct(50), pct(90), pct(99),
      all.latency_ns.empty() ? 0.0 : ms(all.latency_ns.back()), corrected[0], corrected[1], corrected[2],
      status_json.c_str(),
      static_cast<unsigned long long>(errors), static_cast<unsigned long long>(non_200),
      static_cast<unsigned long long>(all.connect_errors), static_cast<unsigned long long>(all.read_errors),
      static_cast<unsigned long long>(all.write_errors), static_cast<unsigned long long>(all.reconnects));
  return 0;
}
