// The STATUS= line systemd shows for the worker.
#include <gtest/gtest.h>

#include "daemon/status_reporter.h"

namespace vs {
namespace {

TEST(WorkerStatusLine, StateWithPidAndWhy) {
  EXPECT_EQ(worker_status_line("running", 123, ""), "worker running (pid 123)");
  EXPECT_EQ(worker_status_line("stopped", std::nullopt, ""), "worker stopped");
  EXPECT_EQ(worker_status_line("failed", std::nullopt, "restart budget spent"), "worker failed: restart budget spent");
}

}  // namespace
}  // namespace vs
