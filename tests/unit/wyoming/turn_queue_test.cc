#include <gtest/gtest.h>

#include <vector>

#include "wyoming/turn_queue.h"

namespace vs {
namespace {

TEST(TurnQueue, FirstComerGetsTheTurnAtOnceOthersInArrivalOrder) {
  TurnQueue q;
  std::vector<int> order;
  auto a = q.join([&] { order.push_back(1); });
  auto b = q.join([&] { order.push_back(2); });
  auto c = q.join([&] { order.push_back(3); });
  EXPECT_EQ(order, std::vector<int>{1});
  EXPECT_TRUE(a->holds_turn());
  EXPECT_EQ(b->ahead(), 1u);
  EXPECT_EQ(c->ahead(), 2u);
  EXPECT_EQ(q.waiting(), 2u);
  a.reset();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_TRUE(b->holds_turn());
  b.reset();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  c.reset();
  EXPECT_FALSE(q.busy());
}

TEST(TurnQueue, AWaiterThatLeavesIsSkipped) {
  TurnQueue q;
  std::vector<int> order;
  auto a = q.join([&] { order.push_back(1); });
  auto b = q.join([&] { order.push_back(2); });
  auto c = q.join([&] { order.push_back(3); });
  b.reset();  // timed out
  EXPECT_EQ(c->ahead(), 1u);
  a.reset();
  EXPECT_EQ(order, (std::vector<int>{1, 3}));
  EXPECT_TRUE(c->holds_turn());
}

TEST(TurnQueue, ATicketMayOutliveTheQueue) {
  std::unique_ptr<TurnQueue::Ticket> t;
  {
    TurnQueue q;
    t = q.join([] {});
  }
  t.reset();  // no crash: the state is shared
}

}  // namespace
}  // namespace vs
