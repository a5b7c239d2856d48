#include "supervision/liveness.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

using std::chrono::milliseconds;
const SteadyTime t0{};

TEST(Liveness, PingsEveryIntervalWithUniqueIds) {
  Liveness l(milliseconds(100), milliseconds(150), 3);
  l.reset(t0);
  EXPECT_FALSE(l.due_ping(t0 + milliseconds(99)));
  auto a = l.due_ping(t0 + milliseconds(100));
  ASSERT_TRUE(a);
  EXPECT_FALSE(l.due_ping(t0 + milliseconds(150)));
  auto b = l.due_ping(t0 + milliseconds(200));
  ASSERT_TRUE(b);
  EXPECT_NE(*a, *b);
}

TEST(Liveness, PongClearsAndUnknownPongIsIgnored) {
  Liveness l(milliseconds(100), milliseconds(150), 3);
  l.reset(t0);
  auto a = l.due_ping(t0 + milliseconds(100));
  EXPECT_FALSE(l.on_pong("nope", t0 + milliseconds(110)));
  EXPECT_TRUE(l.on_pong(*a, t0 + milliseconds(120)));
  EXPECT_EQ(l.last_pong(), t0 + milliseconds(120));
  EXPECT_FALSE(l.on_pong(*a, t0 + milliseconds(130)));  // answered once only
  EXPECT_EQ(l.check(t0 + milliseconds(1000)), Liveness::Verdict::Ok);
}

TEST(Liveness, ConsecutiveMissesMeanHung) {
  Liveness l(milliseconds(100), milliseconds(150), 3);
  l.reset(t0);
  SteadyTime now = t0;
  int pings = 0;
  Liveness::Verdict v = Liveness::Verdict::Ok;
  while (v != Liveness::Verdict::Hung && now < t0 + milliseconds(2000)) {
    now += milliseconds(1);
    if (l.due_ping(now)) ++pings;
    v = l.check(now);
  }
  EXPECT_EQ(v, Liveness::Verdict::Hung);
  // pings at 100, 200, 300; the third expires at 450
  EXPECT_EQ(now, t0 + milliseconds(450));
  EXPECT_EQ(l.failures(), 3);
}

TEST(Liveness, APongInBetweenResetsTheCount) {
  Liveness l(milliseconds(100), milliseconds(150), 2);
  l.reset(t0);
  l.due_ping(t0 + milliseconds(100));
  EXPECT_EQ(l.check(t0 + milliseconds(250)), Liveness::Verdict::Missed);
  EXPECT_EQ(l.failures(), 1);
  auto b = l.due_ping(t0 + milliseconds(250));
  EXPECT_TRUE(l.on_pong(*b, t0 + milliseconds(260)));
  EXPECT_EQ(l.failures(), 0);
  EXPECT_EQ(l.next_deadline(), t0 + milliseconds(350));
}

TEST(Liveness, ALatePongAnswersOlderPingsToo) {
  Liveness l(milliseconds(100), milliseconds(500), 3);
  l.reset(t0);
  l.due_ping(t0 + milliseconds(100));
  auto b = l.due_ping(t0 + milliseconds(200));
  EXPECT_TRUE(l.on_pong(*b, t0 + milliseconds(210)));
  EXPECT_EQ(l.check(t0 + milliseconds(700)), Liveness::Verdict::Ok);
}

}  // namespace
}  // namespace vs
