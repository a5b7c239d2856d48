#include "supervision/lifecycle_requests.h"

#include <memory>
#include <optional>

#include <gtest/gtest.h>

namespace vs {
namespace {

using namespace std::chrono_literals;

// One caller's answer, and how many times it came.
struct Answer {
  std::optional<Outcome> outcome;
  int calls = 0;
  bool ready() const { return outcome.has_value(); }
  const Outcome& get() const { return *outcome; }
};

const SteadyTime t0{};
const Outcome gave_up{Outcome::Code::TimedOut, "gave up", std::nullopt};

// Submits a request whose caller waits until `deadline` (far away by default).
std::shared_ptr<Answer> submit(LifecycleRequests& q, RequestKind kind, const std::string& reason,
                               SteadyTime deadline = t0 + 1h) {
  auto a = std::make_shared<Answer>();
  q.submit(kind, reason, deadline, gave_up, [a](const Outcome& o) {
    a->outcome = o;
    ++a->calls;
  });
  return a;
}

TEST(LifecycleRequests, IdenticalToLastQueuedShares) {
  int wakes = 0;
  LifecycleRequests q([&] { ++wakes; });
  auto a = submit(q, RequestKind::Start, "a");
  auto b = submit(q, RequestKind::Start, "b");
  EXPECT_EQ(wakes, 1);  // b joined a: nothing new to do
  auto t = q.take();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, "a");
  q.complete(t->id, {Outcome::Code::Failed, "x", std::nullopt});
  ASSERT_TRUE(a->ready() && b->ready());
  EXPECT_EQ(b->get().message, "x");
}

TEST(LifecycleRequests, IdenticalToInFlightSharesOnlyWhenNothingQueued) {
  LifecycleRequests q;
  auto a = submit(q, RequestKind::Start, "");
  const auto first = q.take();
  auto b = submit(q, RequestKind::Start, "");  // joins the start in flight
  auto c = submit(q, RequestKind::Stop, "");
  auto d = submit(q, RequestKind::Start, "");  // after a stop: a new start
  q.complete(first->id, {});
  EXPECT_TRUE(b->ready());
  EXPECT_FALSE(d->ready());
  auto stop = q.take();
  EXPECT_EQ(stop->kind, RequestKind::Stop);
  q.complete(stop->id, {});
  EXPECT_TRUE(c->ready());
  auto start = q.take();
  EXPECT_EQ(start->kind, RequestKind::Start);
  q.complete(start->id, {Outcome::Code::GateClosed, "g", std::nullopt});
  EXPECT_EQ(d->get().code, Outcome::Code::GateClosed);
}

TEST(LifecycleRequests, RunsInArrivalOrderOneAtATime) {
  LifecycleRequests q;
  submit(q, RequestKind::Stop, "");
  submit(q, RequestKind::Restart, "");
  submit(q, RequestKind::Start, "");
  auto first = q.take();
  EXPECT_FALSE(q.take());  // one in flight at a time
  EXPECT_EQ(q.next_queued(), RequestKind::Restart);
  EXPECT_EQ(first->kind, RequestKind::Stop);
  q.complete(first->id, {});
  auto second = q.take();
  EXPECT_EQ(second->kind, RequestKind::Restart);
  q.complete(second->id, {});
  auto third = q.take();
  EXPECT_EQ(third->kind, RequestKind::Start);
  q.complete(third->id, {});
  EXPECT_FALSE(q.in_flight());
}

TEST(LifecycleRequests, CompleteAnswersOnlyTheRequestInFlight) {
  LifecycleRequests q;
  auto a = submit(q, RequestKind::Start, "");
  const auto t = q.take();
  q.complete(t->id + 1, {});  // a stale ticket
  EXPECT_FALSE(a->ready());
  q.complete(t->id, {});
  q.complete(t->id, {});  // twice: still one answer
  EXPECT_EQ(a->calls, 1);
}

TEST(LifecycleRequests, CloseAnswersQueuedAndRefusesNew) {
  LifecycleRequests q;
  auto a = submit(q, RequestKind::Start, "");
  const auto t = q.take();
  auto b = submit(q, RequestKind::Stop, "");
  q.close({Outcome::Code::Failed, "closing", std::nullopt});
  EXPECT_TRUE(b->ready());
  EXPECT_FALSE(a->ready());  // in flight: its owner completes it
  q.complete(t->id, {});
  EXPECT_TRUE(a->get().ok());
  auto c = submit(q, RequestKind::Start, "");
  ASSERT_TRUE(c->ready());  // at once, on the caller's thread
  EXPECT_EQ(c->get().message, "closing");
}

TEST(LifecycleRequests, AStartNobodyWaitsForIsDroppedBeforeItRuns) {
  LifecycleRequests q;
  submit(q, RequestKind::Stop, "");
  const auto stop = q.take();  // a slow stop in flight
  auto first = submit(q, RequestKind::Start, "a", t0 + 1s);
  auto second = submit(q, RequestKind::Start, "b", t0 + 2s);  // shares the queued start
  EXPECT_EQ(q.next_deadline(), t0 + 1s);
  q.expire(t0 + 1s);
  ASSERT_TRUE(first->ready());
  EXPECT_EQ(first->get().message, "gave up");
  EXPECT_FALSE(second->ready());  // someone still waits: it stays
  EXPECT_EQ(q.next_queued(), RequestKind::Start);
  q.expire(t0 + 2s);
  ASSERT_TRUE(second->ready());
  EXPECT_EQ(second->get().message, "gave up");
  EXPECT_EQ(q.next_deadline(), t0 + 1h);  // only the stop's caller still waits
  q.complete(stop->id, {});
  EXPECT_FALSE(q.take());  // the dropped start never runs
}

TEST(LifecycleRequests, AnAbandonedStopStillRunsAndInFlightIsUntouched) {
  LifecycleRequests q;
  auto start = submit(q, RequestKind::Start, "", t0 + 1s);
  const auto taken = q.take();
  auto stop = submit(q, RequestKind::Stop, "", t0 + 1s);
  q.expire(t0 + 1s);  // both callers give up
  EXPECT_EQ(start->get().code, Outcome::Code::TimedOut);
  EXPECT_EQ(stop->get().code, Outcome::Code::TimedOut);
  EXPECT_EQ(*q.in_flight(), RequestKind::Start);  // in flight: it finishes normally
  q.complete(taken->id, {});
  EXPECT_EQ(start->calls, 1);  // its caller was answered once, by the timeout
  ASSERT_TRUE(q.take());
  EXPECT_EQ(*q.in_flight(), RequestKind::Stop);
}

}  // namespace
}  // namespace vs
