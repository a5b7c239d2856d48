#include "http/readiness.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

ReadinessInputs ready() {
  ReadinessInputs in;
  in.worker = WorkerState::Running;
  in.gate.open = true;
  return in;
}

TEST(Readiness, ARunningWorkerAnOpenGateAndAFreeSlotAreReady) { EXPECT_EQ(why_not_ready(ready()), ""); }

TEST(Readiness, EachMissingConditionIsNamed) {
  for (WorkerState s : {WorkerState::Stopped, WorkerState::Starting, WorkerState::Stopping, WorkerState::Backoff,
                        WorkerState::Failed}) {
    ReadinessInputs in = ready();
    in.worker = s;
    EXPECT_NE(why_not_ready(in).find(std::string("the worker is ") + to_string(s)), std::string::npos) << to_string(s);
  }
  ReadinessInputs stopped = ready();
  stopped.worker = WorkerState::Stopped;
  EXPECT_NE(why_not_ready(stopped).find("POST /v1/control/start"), std::string::npos);

  ReadinessInputs closed = ready();
  closed.gate.open = false;
  closed.gate.reason = "memory available 98 MB is below the minimum 1000 MB";
  EXPECT_EQ(why_not_ready(closed), "the heavy-load gate is closed: memory available 98 MB is below the minimum 1000 MB");

  closed.worker = WorkerState::Stopped;  // memory pressure stops the worker too: the gate is why
  EXPECT_EQ(why_not_ready(closed).rfind("the heavy-load gate is closed", 0), 0u);

  ReadinessInputs draining = ready();
  draining.draining = true;
  EXPECT_EQ(why_not_ready(draining).rfind("shutting down", 0), 0u);

  ReadinessInputs full = ready();
  full.recordings_active = 1;
  EXPECT_EQ(why_not_ready(full), "no capacity left: 1 of 1 recordings running");
}

}  // namespace
}  // namespace vs
