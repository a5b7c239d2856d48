#include "supervision/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <system_error>
#include <thread>

#include <spdlog/spdlog.h>

extern char** environ;

namespace vs {

namespace {

// What the child reports through the close-on-exec pipe when it cannot exec.
struct ChildFailure {
  enum Step : int { Exec, Chdir, Setup } step;
  int err;
};

[[noreturn]] void child_fail(int fd, ChildFailure::Step step, int err) {
  ChildFailure f{step, err};
  [[maybe_unused]] ssize_t n = ::write(fd, &f, sizeof f);
  _exit(127);
}

std::string errno_text(int err) { return std::system_category().message(err); }

// Keeps our descriptors off 0/1/2, so the child's dup2 onto 0/1/2 never clobbers a source
// (possible when the daemon runs with stdio closed).
UniqueFd above_stdio(int fd) {
  if (fd >= 3) return UniqueFd(fd);
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  const int err = errno;
  ::close(fd);
  if (moved < 0) throw SpawnError("cannot start worker: fcntl: " + errno_text(err));
  return UniqueFd(moved);
}

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw SpawnError("cannot start worker: pipe: " + errno_text(errno));
  UniqueFd r = above_stdio(fds[0]);
  UniqueFd w = above_stdio(fds[1]);
  return {std::move(r), std::move(w)};
}

// execvp is not async-signal-safe and would search the daemon's PATH, not the worker's: the
// candidates are resolved here, before fork.
std::vector<std::string> exec_candidates(const std::string& argv0, const std::string& path) {
  if (argv0.find('/') != std::string::npos) return {argv0};
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(begin, end - begin);
    if (dir.empty()) dir = ".";
    out.push_back(dir + "/" + argv0);
    begin = end + 1;
  }
  return out;
}

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra,
                                            const std::set<std::string>& withheld) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    if (!extra.count(key) && !withheld.count(key)) out.push_back(entry);
  }
  for (const auto& [k, v] : extra) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void close_fds_from(unsigned first, unsigned last, long open_max) {
  if (first > last) return;
  if (::syscall(SYS_close_range, first, last, 0) == 0) return;
  const long stop = last == ~0U ? open_max : static_cast<long>(last) + 1;
  for (long fd = first; fd < stop; ++fd) ::close(static_cast<int>(fd));
}

ExitStatus from_siginfo(const siginfo_t& info) {
  ExitStatus s;
  s.signaled = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  s.code = info.si_status;
  return s;
}

}  // namespace

namespace {

// How long the destructor waits for a SIGKILLed process before reaping it in the background.
constexpr std::chrono::milliseconds kReapGrace{5000};

// The kernel's struct for rt_sigaction. glibc's sigaction() refuses the two real-time signals
// it reserves for itself (32 and 33), so a disposition the daemon inherited for them would
// otherwise survive into the worker; the raw system call resets every signal. Async-signal-safe.
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

void reset_signal_dispositions() {
  const KernelSigaction default_action{SIG_DFL, 0, nullptr, 0};
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) {
      ::syscall(SYS_rt_sigaction, sig, &default_action, nullptr, sizeof(uint64_t));
    }
  }
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::spawn(const SpawnSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) throw SpawnError("cannot start worker: empty command");

  // Everything the child touches is prepared here: after fork only async-signal-safe calls.
  std::vector<std::string> argv_strings = spec.argv;
  std::vector<char*> argv = c_array(argv_strings);
  std::vector<std::string> env_strings = merged_environment(spec.env, spec.withheld);
  std::vector<char*> envp = c_array(env_strings);
  std::string path;
  if (auto it = spec.env.find("PATH"); it != spec.env.end()) {
    path = it->second;
  } else if (const char* p = ::getenv("PATH")) {
    path = p;
  } else {
    path = "/usr/local/bin:/usr/bin:/bin";
  }
  std::vector<std::string> candidates = exec_candidates(spec.argv[0], path);
  const char* working_dir = spec.working_dir.empty() ? nullptr : spec.working_dir.c_str();
  long open_max = ::sysconf(_SC_OPEN_MAX);
  if (open_max <= 0 || open_max > 65536) open_max = 65536;

  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe(), report = make_pipe();

  sigset_t all, empty, saved;
  sigfillset(&all);
  sigemptyset(&empty);
  const pid_t parent = ::getpid();

  // Signals stay blocked across fork so no handler of the daemon runs in the child before
  // the dispositions are reset.
  ::pthread_sigmask(SIG_SETMASK, &all, &saved);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int rfd = report.write.get();
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(127);  // the daemon died before prctl took effect
    reset_signal_dispositions();
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    if (::dup2(in.read.get(), 0) < 0 || ::dup2(out.write.get(), 1) < 0 ||
        ::dup2(err.write.get(), 2) < 0) {
      child_fail(rfd, ChildFailure::Setup, errno);
    }
    close_fds_from(3, static_cast<unsigned>(rfd) - 1, open_max);
    close_fds_from(static_cast<unsigned>(rfd) + 1, ~0U, open_max);
    if (working_dir && ::chdir(working_dir) != 0) child_fail(rfd, ChildFailure::Chdir, errno);
    int exec_errno = ENOENT;
    bool denied = false;
    for (const auto& candidate : candidates) {
      ::execve(candidate.c_str(), argv.data(), envp.data());
      exec_errno = errno;
      if (exec_errno == EACCES) {
        denied = true;
      } else if (exec_errno != ENOENT && exec_errno != ENOTDIR) {
        break;  // like execvp: a real error of an existing file ends the search
      }
    }
    // Like execvp: "permission denied" on one candidate beats "not found" on the others.
    if (denied && (exec_errno == ENOENT || exec_errno == ENOTDIR)) exec_errno = EACCES;
    child_fail(rfd, ChildFailure::Exec, exec_errno);
  }
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (pid < 0) throw SpawnError("cannot start worker: fork: " + errno_text(fork_errno));

  auto child = std::unique_ptr<ChildProcess>(new ChildProcess());
  child->pid_ = pid;
  // The child cannot have been reaped yet (only we reap it), so this pidfd is surely its.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  const int pidfd_errno = errno;
  ::setpgid(pid, pid);  // also from this side, so signal_group works whoever runs first
  in.read.reset();
  out.write.reset();
  err.write.reset();
  report.write.reset();

  ChildFailure failure{};
  ssize_t n;
  do {
    n = ::read(report.read.get(), &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);

  if (pidfd < 0 || n == static_cast<ssize_t>(sizeof failure)) {
    ::kill(pid, SIGKILL);
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    child->pid_ = -1;
    if (pidfd >= 0) ::close(pidfd);
    if (n != static_cast<ssize_t>(sizeof failure)) {
      throw SpawnError("cannot start worker: pidfd_open: " + errno_text(pidfd_errno));
    }
    switch (failure.step) {
      case ChildFailure::Chdir:
        throw SpawnError("cannot start worker: cannot change to directory " + spec.working_dir +
                         ": " + errno_text(failure.err));
      case ChildFailure::Setup:
        throw SpawnError("cannot start worker: " + spec.argv[0] + ": setup failed: " +
                         errno_text(failure.err));
      case ChildFailure::Exec:
        break;
    }
    throw SpawnError("cannot start worker: " + spec.argv[0] + ": " + errno_text(failure.err));
  }
  child->pidfd_ = UniqueFd(pidfd);
  child->pipes_.stdin_write = std::move(in.write);
  child->pipes_.stdout_read = std::move(out.read);
  child->pipes_.stderr_read = std::move(err.read);
  return child;
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0 || exit_) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);  // in case it left its group
  if (wait_for(kReapGrace)) return;
  // SIGKILL takes effect only when the process leaves uninterruptible sleep (a stuck driver or
  // network file system). The owner must not hang on it: a detached thread reaps it later.
  spdlog::warn("worker pid {} did not die within {} ms of SIGKILL; reaping it in the background", pid_,
               kReapGrace.count());
  std::thread([pidfd = pidfd_.release()] {
    siginfo_t info{};
    while (::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED) < 0 && errno == EINTR) {
    }
    ::close(pidfd);
  }).detach();
}

WorkerPipes ChildProcess::take_pipes() { return std::move(pipes_); }

bool ChildProcess::wait_exited(std::chrono::milliseconds timeout) const {
  if (exit_) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{pidfd_.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT_MAX)));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

std::optional<ExitStatus> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  if (exit_ || pid_ <= 0) return exit_;
  if (!wait_exited(timeout)) return std::nullopt;
  siginfo_t info{};
  int w;
  do {
    w = ::waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED | WNOHANG);
  } while (w < 0 && errno == EINTR);
  // ECHILD would mean someone else reaped it: then there is nothing to learn.
  if (w == 0 && info.si_pid != 0) exit_ = from_siginfo(info);
  return exit_;
}

void ChildProcess::signal_group(int sig) {
  if (pid_ <= 0 || exit_) return;
  ::kill(-pid_, sig);
}

}  // namespace vs
