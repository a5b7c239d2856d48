#include "supervision/lifecycle_requests.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

using namespace std::chrono_literals;

bool ready(const std::shared_future<Outcome>& f) { return f.wait_for(0ms) == std::future_status::ready; }

TEST(LifecycleRequests, IdenticalToLastQueuedShares) {
  int wakes = 0;
  LifecycleRequests q([&] { ++wakes; });
  auto a = q.submit(RequestKind::Start, "a");
  auto b = q.submit(RequestKind::Start, "b");
  EXPECT_EQ(wakes, 1);  // b joined a: nothing new to do
  auto t = q.take();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, "a");
  q.complete({Outcome::Code::Failed, "x", std::nullopt});
  ASSERT_TRUE(ready(a) && ready(b));
  EXPECT_EQ(b.get().message, "x");
}

TEST(LifecycleRequests, IdenticalToInFlightSharesOnlyWhenNothingQueued) {
  LifecycleRequests q;
  auto a = q.submit(RequestKind::Start, "");
  q.take();
  auto b = q.submit(RequestKind::Start, "");  // joins the start in flight
  auto c = q.submit(RequestKind::Stop, "");
  auto d = q.submit(RequestKind::Start, "");  // after a stop: a new start
  q.complete({});
  EXPECT_TRUE(ready(b));
  EXPECT_FALSE(ready(d));
  EXPECT_EQ(q.take()->kind, RequestKind::Stop);
  q.complete({});
  EXPECT_TRUE(ready(c));
  EXPECT_EQ(q.take()->kind, RequestKind::Start);
  q.complete({Outcome::Code::GateClosed, "g", std::nullopt});
  EXPECT_EQ(d.get().code, Outcome::Code::GateClosed);
}

TEST(LifecycleRequests, RunsInArrivalOrderOneAtATime) {
  LifecycleRequests q;
  q.submit(RequestKind::Stop, "");
  q.submit(RequestKind::Restart, "");
  q.submit(RequestKind::Start, "");
  auto first = q.take();
  EXPECT_FALSE(q.take());  // one in flight at a time
  EXPECT_EQ(q.next_queued(), RequestKind::Restart);
  EXPECT_EQ(first->kind, RequestKind::Stop);
  q.complete({});
  EXPECT_EQ(q.take()->kind, RequestKind::Restart);
  q.complete({});
  EXPECT_EQ(q.take()->kind, RequestKind::Start);
  q.complete({});
  EXPECT_FALSE(q.in_flight());
}

TEST(LifecycleRequests, CloseAnswersQueuedAndRefusesNew) {
  LifecycleRequests q;
  auto a = q.submit(RequestKind::Start, "");
  q.take();
  auto b = q.submit(RequestKind::Stop, "");
  q.close({Outcome::Code::Failed, "closing", std::nullopt});
  EXPECT_TRUE(ready(b));
  EXPECT_FALSE(ready(a));  // in flight: its owner completes it
  q.complete({});
  EXPECT_TRUE(a.get().ok());
  auto c = q.submit(RequestKind::Start, "");
  ASSERT_TRUE(ready(c));
  EXPECT_EQ(c.get().message, "closing");
}

TEST(LifecycleRequests, AStartNobodyWaitsForIsDroppedBeforeItRuns) {
  LifecycleRequests q;
  const Outcome gave_up{Outcome::Code::TimedOut, "gave up", std::nullopt};
  q.submit(RequestKind::Stop, "");
  q.take();  // a slow stop in flight
  auto first = q.submit_ticket(RequestKind::Start, "a");
  auto second = q.submit_ticket(RequestKind::Start, "b");  // shares the queued start
  q.abandon(first, gave_up);
  EXPECT_FALSE(ready(second.future));  // someone still waits: it stays
  q.abandon(second, gave_up);
  ASSERT_TRUE(ready(second.future));
  EXPECT_EQ(second.future.get().message, "gave up");
  q.complete({});
  EXPECT_FALSE(q.take());  // the dropped start never runs
}

TEST(LifecycleRequests, AnAbandonedStopStillRunsAndInFlightIsUntouched) {
  LifecycleRequests q;
  const Outcome gave_up{Outcome::Code::TimedOut, "gave up", std::nullopt};
  auto start = q.submit_ticket(RequestKind::Start, "");
  q.take();
  q.abandon(start, gave_up);  // in flight: it finishes normally
  auto stop = q.submit_ticket(RequestKind::Stop, "");
  q.abandon(stop, gave_up);
  q.complete({});
  EXPECT_EQ(start.future.get().code, Outcome::Code::Ok);
  ASSERT_TRUE(q.take());
  EXPECT_EQ(*q.in_flight(), RequestKind::Stop);
}

}  // namespace
}  // namespace vs
