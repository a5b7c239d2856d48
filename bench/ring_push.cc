// Ring push latency, the producer's side of the 5-second ring (DESIGN.md §4): how long one
// push of a 10 ms frame takes while the pump drains on another thread — the cost a microphone
// callback pays. Google Benchmark runs the loop; every push is also timed on its own so the
// tail (p99.9, max) is reported, not only the mean. Pushes are paced (one every 20 µs, 500x
// faster than a microphone) so the ring never fills and every push is a real write.
// The /rt variant runs the producer SCHED_FIFO, as PortAudio runs its callback thread; it needs
// the privilege to (root or CAP_SYS_NICE) and says so otherwise.
//
//   build/bench_ring_push --benchmark_repetitions=3
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sched.h>

#include <benchmark/benchmark.h>

#include "audio/audio_ring.h"
#include "audio/ring_writer.h"

namespace vs {
namespace {

using Clock = std::chrono::steady_clock;

void BM_RingPushWhilePumpDrains(benchmark::State& state) {
  if (state.range(0) == 1) {
    sched_param sp{};
    sp.sched_priority = 50;
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) != 0) {
      state.SkipWithError("SCHED_FIFO not permitted here");
      return;
    }
  }
  AudioRing ring(frames_for_seconds(5));
  RingWriter writer(ring);
  std::atomic<bool> stop{false};
  // The pump's side: drain as fast as frames come, like a worker that keeps up.
  std::thread pump([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      if (ring.front()) {
        ring.pop();
      } else {
        std::this_thread::yield();
      }
    }
  });
  AudioFrame frame{};
  std::vector<int64_t> ns;
  ns.reserve(4'000'000);
  auto next = Clock::now();
  for (auto _ : state) {
    next += std::chrono::microseconds(20);
    while (Clock::now() < next) {
    }
    const auto t0 = Clock::now();
    const bool ok = writer.push(frame);
    const auto t1 = Clock::now();
    benchmark::DoNotOptimize(ok);
    if (ns.size() < ns.capacity()) ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  }
  stop = true;
  pump.join();
  if (state.range(0) == 1) {
    sched_param sp{};
    pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
  }
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) { return static_cast<double>(ns[std::min(ns.size() - 1, static_cast<size_t>(p * ns.size()))]); };
  state.counters["p50_ns"] = pct(0.50);
  state.counters["p99_ns"] = pct(0.99);
  state.counters["p99.9_ns"] = pct(0.999);
  state.counters["max_ns"] = static_cast<double>(ns.back());
  state.counters["rejected"] = static_cast<double>(writer.rejected());
}
BENCHMARK(BM_RingPushWhilePumpDrains)->Iterations(500'000)->Arg(0)->Arg(1)->ArgName("rt")->UseRealTime();

}  // namespace
}  // namespace vs

BENCHMARK_MAIN();
