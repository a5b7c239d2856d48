// The watchdog heartbeat: WATCHDOG=1 only for a round that came back through the loops.
#include "daemon/watchdog_heartbeat.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace vs {
namespace {

// A route that holds each round until the test lets it back, as a busy actor would.
struct HeldRoute {
  std::vector<std::function<void()>> held;
  WatchdogHeartbeat::Route route() {
    return [this](std::function<void()> back) { held.push_back(std::move(back)); };
  }
};

TEST(WatchdogHeartbeat, PingsWhileEveryRoundComesBack) {
  int sent = 0;
  WatchdogHeartbeat beat([&sent](std::function<void()> back) {
    ++sent;
    back();
  });
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(beat.tick());
  EXPECT_EQ(sent, 5);
  EXPECT_EQ(beat.missed(), 0u);
}

TEST(WatchdogHeartbeat, AWedgedLoopStopsThePingsUntilItAnswers) {
  HeldRoute route;
  WatchdogHeartbeat beat(route.route());
  EXPECT_TRUE(beat.tick());   // nothing out yet: the first round goes
  EXPECT_FALSE(beat.tick());  // still out
  EXPECT_FALSE(beat.tick());
  EXPECT_EQ(beat.missed(), 2u);
  EXPECT_EQ(route.held.size(), 1u);  // no second round while the first is stuck

  route.held.front()();  // the loop turns again
  EXPECT_TRUE(beat.tick());
  EXPECT_EQ(beat.missed(), 0u);
  EXPECT_EQ(route.held.size(), 2u);
}

TEST(WatchdogHeartbeat, AnOldRoundDoesNotAnswerForANewOne) {
  HeldRoute route;
  WatchdogHeartbeat beat(route.route());
  ASSERT_TRUE(beat.tick());
  route.held[0]();
  ASSERT_TRUE(beat.tick());  // round 2 out
  route.held[0]();           // round 1's reply again (late duplicate)
  EXPECT_FALSE(beat.tick());
}

TEST(WatchdogHeartbeat, ARoundMayComeBackOnAnotherThreadAfterTheHeartbeatIsGone) {
  std::function<void()> late;
  {
    WatchdogHeartbeat beat([&late](std::function<void()> back) { late = std::move(back); });
    ASSERT_TRUE(beat.tick());
  }
  std::thread([&late] { late(); }).join();  // must not touch freed memory (ASan would say)
}

}  // namespace
}  // namespace vs
