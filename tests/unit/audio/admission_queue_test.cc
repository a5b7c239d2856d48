#include "audio/admission_queue.h"
#include "audio/admission_wait.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vs {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

TEST(AdmissionQueue, AdmitsUpToCapacityThenWaitersInArrivalOrder) {
  AdmissionQueue q(2);
  std::vector<int> order;
  auto a = q.join([&] { order.push_back(1); });
  auto b = q.join([&] { order.push_back(2); });
  auto c = q.join([&] { order.push_back(3); });
  auto d = q.join([&] { order.push_back(4); });
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_TRUE(a->admitted());
  EXPECT_TRUE(b->admitted());
  EXPECT_FALSE(c->admitted());
  EXPECT_EQ(c->ahead(), 0u);
  EXPECT_EQ(d->ahead(), 1u);
  EXPECT_EQ(q.admitted(), 2u);
  EXPECT_EQ(q.waiting(), 2u);
  b.reset();  // either holder leaving lets the first waiter in
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(c->admitted());
  a.reset();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
  c.reset();
  d.reset();
  EXPECT_EQ(q.admitted(), 0u);
}

TEST(AdmissionQueue, AWaiterThatLeavesIsSkipped) {
  AdmissionQueue q(1);
  std::vector<int> order;
  auto a = q.join([&] { order.push_back(1); });
  auto b = q.join([&] { order.push_back(2); });
  auto c = q.join([&] { order.push_back(3); });
  b.reset();  // its deadline passed
  EXPECT_EQ(c->ahead(), 0u);
  a.reset();
  EXPECT_EQ(order, (std::vector<int>{1, 3}));
  EXPECT_TRUE(c->admitted());
}

TEST(AdmissionQueue, TryJoinNeverJumpsTheQueue) {
  AdmissionQueue q(2);
  auto a = q.try_join();
  ASSERT_NE(a, nullptr);
  auto b = q.join([] {});
  EXPECT_EQ(q.try_join(), nullptr);  // full
  auto c = q.join([] {});            // waits
  b.reset();                         // c takes the slot
  EXPECT_TRUE(c->admitted());
  auto w = q.join([] {});
  a.reset();
  EXPECT_TRUE(w->admitted());
  EXPECT_EQ(q.try_join(), nullptr);
  c.reset();
  EXPECT_NE(q.try_join(), nullptr);  // room, nobody waiting
}

TEST(AdmissionQueue, EachAdmissionReportsHowLongItWaited) {
  steady_clock::time_point now{};
  std::vector<std::chrono::nanoseconds> waits;
  AdmissionQueue q(1, [&](std::chrono::nanoseconds w) { waits.push_back(w); }, [&] { return now; });
  auto a = q.join([] {});
  auto b = q.join([] {});
  now += seconds(3);
  auto gone = q.join([] {});
  gone.reset();  // left without a slot: no wait to report
  a.reset();
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_EQ(waits[0], std::chrono::nanoseconds(0));
  EXPECT_EQ(waits[1], seconds(3));
}

TEST(AdmissionQueue, AWaiterPastItsDeadlineLeavesAndHearsWhy) {
  AdmissionQueue q(1);
  const steady_clock::time_point t0{};
  std::vector<std::string> heard;
  auto a = q.join([] {});
  auto b = q.join([&] { heard.push_back("b admitted"); }, t0 + seconds(5), [&] { heard.push_back("b timed out"); });
  auto c = q.join([&] { heard.push_back("c admitted"); }, t0 + seconds(30), [&] { heard.push_back("c timed out"); });
  q.expire(t0 + seconds(4));
  EXPECT_TRUE(heard.empty());
  q.expire(t0 + seconds(6));
  EXPECT_EQ(heard, std::vector<std::string>{"b timed out"});
  EXPECT_EQ(q.waiting(), 1u);
  EXPECT_EQ(c->ahead(), 0u);
  a.reset();  // the slot goes to c, not to b, which left
  EXPECT_EQ(heard, (std::vector<std::string>{"b timed out", "c admitted"}));
  q.expire(t0 + seconds(60));  // an admitted ticket has no deadline any more
  EXPECT_EQ(heard.size(), 2u);
  EXPECT_TRUE(c->admitted());
}

TEST(AdmissionWait, RunsExactlyOneOutcome) {
  AdmissionQueue q(1);
  const steady_clock::time_point t0{};
  std::vector<std::string> heard;
  std::unique_ptr<AdmissionQueue::Ticket> first, second;
  auto a = AdmissionWait::begin(q, t0 + seconds(5), [&](auto t) { heard.push_back("a in"); first = std::move(t); },
                                [&] { heard.push_back("a out"); });
  EXPECT_EQ(heard, std::vector<std::string>{"a in"});  // a free slot: at once, with its ticket
  ASSERT_TRUE(first && first->admitted());
  auto b = AdmissionWait::begin(q, t0 + seconds(5), [&](auto t) { heard.push_back("b in"); second = std::move(t); },
                                [&] { heard.push_back("b out"); });
  auto c = AdmissionWait::begin(q, t0 + seconds(50), [&](auto) { heard.push_back("c in"); },
                                [&] { heard.push_back("c out"); });
  q.expire(t0 + seconds(6));
  EXPECT_EQ(heard, (std::vector<std::string>{"a in", "b out"}));
  c->cancel();  // the client left
  first.reset();
  EXPECT_EQ(heard, (std::vector<std::string>{"a in", "b out"}));
  EXPECT_EQ(q.admitted(), 0u);
  EXPECT_EQ(q.waiting(), 0u);
}

// The callbacks may hold their owner, which holds the wait: once decided, the wait holds neither.
TEST(AdmissionWait, LetsGoOfBothCallbacksOnceDecided) {
  AdmissionQueue q(1);
  auto owner = std::make_shared<int>(0);
  std::unique_ptr<AdmissionQueue::Ticket> slot;
  auto at_once = AdmissionWait::begin(q, steady_clock::time_point::max(),
                                      [owner, &slot](auto t) { slot = std::move(t); }, [owner] {});
  EXPECT_EQ(owner.use_count(), 1) << "admitted at once: the unused timeout callback is let go too";
  auto later = AdmissionWait::begin(q, steady_clock::time_point{} + seconds(1), [owner](auto) {}, [owner] {});
  EXPECT_EQ(owner.use_count(), 3) << "waiting: both held";
  q.expire(steady_clock::time_point{} + seconds(2));
  EXPECT_EQ(owner.use_count(), 1);
  auto gone = AdmissionWait::begin(q, steady_clock::time_point::max(), [owner](auto) {}, [owner] {});
  gone->cancel();
  EXPECT_EQ(owner.use_count(), 1);
}

TEST(AdmissionQueue, ATicketMayOutliveTheQueue) {
  std::unique_ptr<AdmissionQueue::Ticket> t;
  int admitted = 0;
  {
    AdmissionQueue q(1);
    t = q.join([&] { ++admitted; });
  }
  EXPECT_EQ(admitted, 1);
  EXPECT_TRUE(t->admitted());
  t.reset();  // the state is shared: nothing dangles
}

}  // namespace
}  // namespace vs
