#include "audio/recorder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "audio/admission_wait.h"
#include "sources/stream_source.h"

namespace vs {
namespace {

using namespace std::chrono_literals;

// A source whose device fails as it starts (a microphone unplugged between open and start).
class FailingSource : public AudioSource {
 public:
  void start(RingWriter&, OnEnd) override { throw SourceError("the device went away"); }
  void stop() noexcept override {}
  std::string kind() const override { return "mic"; }
};

AudioConfig config(int max_recordings) {
  AudioConfig c;
  c.max_recordings = max_recordings;
  c.flush_timeout_ms = 500;
  return c;
}

// The slot of a start that fails goes back on the pump's thread; a waiter admitted there may
// start its own recording at once (as the OpenAI door does), which must not deadlock.
TEST(Recorder, AWaiterAdmittedWhenAStartFailsStartsAtOnce) {
  WorkerLinkSlot no_worker;
  EventBus bus{1000};
  Recorder recorder(config(1), no_worker, bus);
  std::promise<std::shared_ptr<Recording>> second;
  std::unique_ptr<AdmissionQueue::Ticket> held = recorder.admission().try_join();
  ASSERT_TRUE(held);
  auto wait = AdmissionWait::begin(
      recorder.admission(), std::chrono::steady_clock::now() + 30s,
      [&](std::unique_ptr<AdmissionQueue::Ticket> t) {
        std::string busy;
        second.set_value(recorder.start(std::make_unique<StreamSource>(), "waiter", &busy, std::move(t)));
      },
      [&] { second.set_value(nullptr); });
  auto first = std::async(std::launch::async, [&] {
    std::string busy;
    try {
      recorder.start(std::make_unique<FailingSource>(), "mic", &busy, std::move(held));
    } catch (const SourceError&) {
      return true;
    }
    return false;
  });
  ASSERT_EQ(first.wait_for(10s), std::future_status::ready) << "the failed start deadlocked";
  EXPECT_TRUE(first.get());
  auto f = second.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  const auto rec = f.get();
  ASSERT_TRUE(rec) << "the waiter got the slot the failed start gave back";
  EXPECT_EQ(recorder.running_count(), 1u);
  const auto list = recorder.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].reason, "source_error") << "the failed start is listed, stopped";
  recorder.stop("requested");
}

// Only a snapshot of a finished recording stays in the recent list: a door's on_finished
// callback (stop_async's) must still find the recording alive when it runs.
TEST(Recorder, AStoppedRecordingThatIsNotTheLatestIsAliveForItsCallbacks) {
  WorkerLinkSlot no_worker;
  EventBus bus{1000};
  Recorder recorder(config(2), no_worker, bus);
  std::string busy, first_id;
  {
    auto first = recorder.start(std::make_unique<StreamSource>(), "first", &busy);
    ASSERT_TRUE(first);
    first_id = first->id();
    ASSERT_TRUE(recorder.start(std::make_unique<StreamSource>(), "second", &busy));  // the latest now
  }
  std::promise<std::optional<RecordingSnapshot>> stopped;
  recorder.stop_async(first_id, "requested", [&](std::optional<RecordingSnapshot> s) { stopped.set_value(s); });
  auto f = stopped.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  const auto s = f.get();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id, first_id);
  EXPECT_EQ(s->input, "first");
  recorder.stop("requested");
}

TEST(Recorder, StartsUpToCapacityThenSaysWhy) {
  WorkerLinkSlot no_worker;
  EventBus bus{1000};
  Recorder recorder(config(2), no_worker, bus);
  std::string busy;
  auto a = recorder.start(std::make_unique<StreamSource>(), "a", &busy);
  auto b = recorder.start(std::make_unique<StreamSource>(), "b", &busy);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->id(), b->id());
  EXPECT_EQ(recorder.start(std::make_unique<StreamSource>(), "c", &busy), nullptr);
  EXPECT_EQ(busy, "all 2 recording slots are in use (audio.max_recordings = 2); try again shortly");
  EXPECT_EQ(recorder.current(), b) << "the most recent one";
  EXPECT_EQ(recorder.running(a->id()), a);
  const RecorderTotals t = recorder.totals();
  EXPECT_EQ(t.active, 2u);
  EXPECT_EQ(t.capacity, 2u);
  recorder.stop("requested");
  EXPECT_EQ(recorder.running_count(), 0u);
  EXPECT_NE(recorder.start(std::make_unique<StreamSource>(), "d", &busy), nullptr) << "slots given back";
}

}  // namespace
}  // namespace vs
