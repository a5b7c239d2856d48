// Test-only: spawns tests/fixtures/test_worker.py with its stdio on pipes, for the Sidecar tests.
// (The production spawner lives in src/supervision, which the ipc tests must not depend on.)
// The destructor SIGKILLs and reaps the worker if it is still there.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "worker_pipe/sidecar.h"

namespace vs::test {

class WorkerProcess {
 public:
  // Runs VS_TEST_PYTHON VS_SOURCE_DIR/tests/fixtures/test_worker.py args...
  explicit WorkerProcess(const std::vector<std::string>& args);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  WorkerPipes take_pipes() { return std::move(pipes_); }

  void kill(int sig);
  // The raw wait status once the process exited (reaped), nullopt on timeout.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  WorkerPipes pipes_;
};

}  // namespace vs::test
