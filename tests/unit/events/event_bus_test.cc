#include "events/event_bus.h"

#include <gtest/gtest.h>

#include <thread>

namespace vs {
namespace {

using namespace std::chrono_literals;

nlohmann::json ev(int n) { return {{"type", "partial_text"}, {"n", n}}; }

// Expects an Event from `r` and returns it (the bus's shared object; an empty one if none).
EventPtr event_of(const NextResult& r) {
  EXPECT_TRUE(std::holds_alternative<EventPtr>(r)) << "index " << r.index();
  if (std::holds_alternative<EventPtr>(r)) return std::get<EventPtr>(r);
  return std::make_shared<const Event>(Event{0, "", std::make_shared<const nlohmann::json>(nlohmann::json::object()), {}});
}

TEST(EventBus, DeliversInOrderWithIdsFromOneAndTypeAndTime) {
  EventBus bus(8);
  EventStream s = bus.subscribe();
  const auto before = std::chrono::system_clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(bus.publish(ev(i)), uint64_t(i + 1));
  for (int i = 0; i < 5; ++i) {
    const EventPtr e = event_of(s.next_for(1s));
    EXPECT_EQ(e->id, uint64_t(i + 1));
    EXPECT_EQ(e->type, "partial_text");
    EXPECT_EQ(e->body->at("n"), i);
    EXPECT_GE(e->at, before);
    EXPECT_LE(e->at, std::chrono::system_clock::now());
  }
  EXPECT_TRUE(std::holds_alternative<TimedOut>(s.next_for(10ms)));
  EXPECT_EQ(bus.published(), 5u);
}

TEST(EventBus, SubscribeSeesOnlyLaterEventsSubscribeRetainedSeesTheRing) {
  EventBus bus(4);
  bus.publish(ev(0));
  bus.publish(ev(1));
  EventStream later = bus.subscribe();
  EventStream all = bus.subscribe_retained();
  bus.publish(ev(2));
  EXPECT_EQ(event_of(later.next_for(1s))->body->at("n"), 2);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(event_of(all.next_for(1s))->body->at("n"), i);
  // Beyond capacity, subscribe_retained starts at the oldest kept event, without a Lagged.
  for (int i = 3; i < 10; ++i) bus.publish(ev(i));
  EventStream fresh = bus.subscribe_retained();
  EXPECT_EQ(event_of(fresh.next_for(1s))->body->at("n"), 6);
}

TEST(EventBus, EverySubscriberGetsEveryEvent) {
  EventBus bus(64);
  EventStream a = bus.subscribe(), b = bus.subscribe();
  for (int i = 0; i < 50; ++i) bus.publish(ev(i));
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(event_of(a.next_for(1s))->body->at("n"), i);
  }
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(event_of(b.next_for(1s))->body->at("n"), i);
  }
}

TEST(EventBus, LaggingStreamSkipsToOldestAndIsToldExactlyHowManyItMissed) {
  EventBus bus(10);
  EventStream slow = bus.subscribe();
  EventStream fast = bus.subscribe();
  for (int i = 0; i < 25; ++i) {
    bus.publish(ev(i));
    EXPECT_EQ(event_of(fast.next_for(1s))->body->at("n"), i);  // a reader that keeps up never lags
  }
  const NextResult r = slow.next_for(1s);
  ASSERT_TRUE(std::holds_alternative<Lagged>(r));
  EXPECT_EQ(std::get<Lagged>(r).missed, 15u);  // events 0..14 were overwritten
  for (int i = 15; i < 25; ++i) EXPECT_EQ(event_of(slow.next_for(1s))->body->at("n"), i);
  EXPECT_EQ(bus.lagged_events(), 15u);
}

TEST(EventBus, NeverReadingSubscriberDoesNotBlockPublisher) {
  EventBus bus(100);
  EventStream idle = bus.subscribe();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) bus.publish(ev(i));  // 10x capacity
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(bus.published(), 1000u);
  const NextResult r = idle.next_for(1s);
  ASSERT_TRUE(std::holds_alternative<Lagged>(r));
  EXPECT_EQ(std::get<Lagged>(r).missed, 900u);
}

TEST(EventBus, CloseWakesWaitersAndStreamsDrainFirst) {
  EventBus bus(8);
  EventStream waiting = bus.subscribe();
  std::thread t([&] {
    const NextResult r = waiting.next_for(10s);
    EXPECT_TRUE(std::holds_alternative<Closed>(r));
  });
  std::this_thread::sleep_for(50ms);
  const auto start = std::chrono::steady_clock::now();
  EventStream draining = bus.subscribe();
  // publish after `waiting` is blocked would wake it with an event; close it before
  bus.close();
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(std::holds_alternative<Closed>(draining.next_for(1s)));
  EXPECT_EQ(bus.publish(ev(1)), 0u);  // dropped after close

  EventBus bus2(8);
  EventStream s = bus2.subscribe();
  bus2.publish(ev(0));
  bus2.publish(ev(1));
  bus2.close();
  EXPECT_EQ(event_of(s.next_for(1s))->body->at("n"), 0);
  EXPECT_EQ(event_of(s.next_for(1s))->body->at("n"), 1);
  EXPECT_TRUE(std::holds_alternative<Closed>(s.next_for(1s)));
  EXPECT_TRUE(std::holds_alternative<Closed>(s.next_for(1s)));
}

TEST(EventBus, StreamsOutliveTheBus) {
  EventStream s;
  {
    EventBus bus(4);
    s = bus.subscribe();
    bus.publish(ev(7));
  }
  EXPECT_EQ(event_of(s.next_for(1s))->body->at("n"), 7);
  EXPECT_TRUE(std::holds_alternative<Closed>(s.next_for(1s)));
  EventStream empty;
  EXPECT_TRUE(std::holds_alternative<Closed>(empty.next_for(1ms)));
}

TEST(EventBus, CountsLiveSubscribersThroughMovesAndDestruction) {
  EventBus bus(4);
  EXPECT_EQ(bus.subscribers(), 0u);
  {
    EventStream a = bus.subscribe();
    EventStream b = bus.subscribe();
    EXPECT_EQ(bus.subscribers(), 2u);
    EventStream c = std::move(a);
    EXPECT_EQ(bus.subscribers(), 2u);
    c = std::move(b);  // c's old subscription ends
    EXPECT_EQ(bus.subscribers(), 1u);
  }
  EXPECT_EQ(bus.subscribers(), 0u);
}

TEST(EventBus, ConcurrentPublishersAndReadersSeeEveryIdOnce) {
  EventBus bus(1 << 14);
  EventStream s = bus.subscribe();
  constexpr int kPerThread = 2000;
  std::vector<std::thread> pubs;
  for (int t = 0; t < 4; ++t) {
    pubs.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) bus.publish(ev(i));
    });
  }
  uint64_t expected_id = 1;
  for (int i = 0; i < 4 * kPerThread; ++i) {
    const EventPtr e = event_of(s.next_for(10s));
    ASSERT_EQ(e->id, expected_id++);
  }
  for (auto& t : pubs) t.join();
  EXPECT_EQ(bus.lagged_events(), 0u);
}

// ---- wake_when_ready: readers that are called back instead of waiting ----

TEST(EventBusWake, WakesOnceOnTheNextPublishAndTheReaderCanPollFromTheCallback) {
  EventBus bus(8);
  EventStream s = bus.subscribe();
  int woken = 0;
  EventPtr seen;
  ASSERT_TRUE(s.wake_when_ready([&] {
    ++woken;
    seen = event_of(s.poll());  // outside the bus's lock: no deadlock
  }));
  bus.publish(ev(1));
  bus.publish(ev(2));  // one-shot: the second publish finds no wake request
  EXPECT_EQ(woken, 1);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->id, 1u);
}

TEST(EventBusWake, RefusesWhenSomethingIsReadyAlready) {
  EventBus bus(2);
  EventStream s = bus.subscribe();
  bus.publish(ev(1));
  EXPECT_FALSE(s.wake_when_ready([] { FAIL() << "must not be kept"; }));
  EXPECT_TRUE(std::holds_alternative<EventPtr>(s.poll()));
  EXPECT_TRUE(std::holds_alternative<TimedOut>(s.poll()));
  // A reader that fell behind the ring has a Lagged notice ready: refused as well.
  for (int i = 0; i < 5; ++i) bus.publish(ev(i));
  EXPECT_FALSE(s.wake_when_ready([] {}));
}

TEST(EventBusWake, ADestroyedStreamIsNeverWokenAndCloseWakesTheRest) {
  EventBus bus(8);
  int gone_woken = 0, kept_woken = 0;
  EventStream kept = bus.subscribe();
  {
    EventStream gone = bus.subscribe();
    ASSERT_TRUE(gone.wake_when_ready([&] { ++gone_woken; }));
  }
  ASSERT_TRUE(kept.wake_when_ready([&] { ++kept_woken; }));
  bus.close();
  EXPECT_EQ(gone_woken, 0);
  EXPECT_EQ(kept_woken, 1);
  EXPECT_TRUE(std::holds_alternative<Closed>(kept.poll()));
}

}  // namespace
}  // namespace vs
