// ChildProcess is one spawned worker process, owned: its pidfd, its pipes, its process group.
//
// spawn() forks and execs an argv (never a shell) with: its own process group, a parent-death
// signal (SIGKILL), all signal dispositions and the mask reset, every fd but 0/1/2 closed, and
// stdin/stdout/stderr on pipes. A pidfd is taken before anything can reap the child, so waits
// and signals never hit a recycled PID. The destructor SIGKILLs the group and reaps if the
// process is still alive: a ChildProcess never leaks a process or a zombie.
//
// Linux ties the parent-death signal to the *thread* that forked: spawn from a thread that
// outlives the child (the Supervisor's actor does), or the child is killed when it ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "worker_pipe/sidecar.h"

namespace vs {

struct SpawnSpec {
  std::vector<std::string> argv;                // argv[0] is looked up in PATH if it has no '/'
  std::string working_dir;                      // "" = the daemon's
  std::map<std::string, std::string> env;       // added to (overriding) the daemon's environment
  std::set<std::string> withheld = {};          // names of the daemon's variables not passed on
};

struct ExitStatus {
  bool signaled = false;
  int code = 0;  // exit code, or the signal number when signaled
  std::string describe() const;  // "exit code 3" / "killed by signal 9 (SIGKILL)"
};

class SpawnError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ChildProcess {
 public:
  // Throws SpawnError with errno's text when the fork or the exec fails (exec failure is
  // reported through a close-on-exec pipe, so a missing binary is an error, not an exit 127).
  static std::unique_ptr<ChildProcess> spawn(const SpawnSpec& spec);
  ~ChildProcess();

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }  // readable when the process has exited

  // The pipes, to hand to a Sidecar (once).
  WorkerPipes take_pipes();

  // Waits up to `timeout` for the exit and reaps it. nullopt if still running.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
  std::optional<ExitStatus> exit_status() const { return exit_; }
  // Waits up to `timeout` for the exit without reaping it: the group can still be signalled
  // while the leader is a zombie, because its PID cannot be reused yet.
  bool wait_exited(std::chrono::milliseconds timeout) const;
  // True once the process has exited (reaped or not); never blocks.
  bool has_exited() const { return wait_exited(std::chrono::milliseconds(0)); }

  // Sends `sig` to the whole process group (no-op after reaping).
  void signal_group(int sig);

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  WorkerPipes pipes_;
  std::optional<ExitStatus> exit_;
};

}  // namespace vs
