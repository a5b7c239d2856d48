// The Sidecar against real processes: tests/fixtures/test_worker.py on pipes.
#include "worker_pipe/sidecar.h"

#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "../support/wait_until.h"
#include "worker_pipe/stdio_reader.h"
#include "../support/worker_process.h"

namespace vs {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::unique_ptr<Sidecar> attach(test::WorkerProcess& w, SidecarOptions o = {}) {
  return Sidecar::attach(w.take_pipes(), w.pid(), o);
}

// Next Event of the given type, skipping others; fails on Lagged/Closed/timeout.
std::optional<Event> next_of_type(EventStream& s, const std::string& type,
                                  std::chrono::milliseconds timeout = 20s) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    NextResult r = s.next(deadline);
    if (auto* e = std::get_if<EventPtr>(&r)) {
      if ((*e)->type == type) return **e;  // copies the id, type and time; the body is shared
      continue;
    }
    ADD_FAILURE() << "waiting for " << type << ": got result index " << r.index();
    return std::nullopt;
  }
}

std::vector<int16_t> frame_for(uint64_t i) {
  std::vector<int16_t> pcm(160);
  for (size_t k = 0; k < pcm.size(); ++k) pcm[k] = static_cast<int16_t>(i * 31 + k * 7 - 500);
  return pcm;
}

// Issue requirement: 10,000 frames in while 10,000 events come out, on separate threads, with
// nothing lost, reordered, or deadlocked.
TEST(Sidecar, FullDuplexStress10kFramesIn10kEventsOut) {
  constexpr int kN = 10000;
  test::WorkerProcess w({"--emit-events", std::to_string(kN)});
  SidecarOptions o;
  o.event_buffer = 4 * kN;  // everything fits: any Lagged would be a bug, not a slow test box
  auto sc = attach(w, o);
  EventStream events = sc->events();
  const auto start = Clock::now();
  const auto deadline = start + 60s;

  std::atomic<int> sent{0};
  std::atomic<bool> send_failed{false};
  std::thread sender([&] {
    for (int i = 0; i < kN; ++i) {
      uint64_t seq = 0;
      const auto pcm = frame_for(i);
      if (sc->sink().send_frame("", pcm, deadline, &seq) != SendResult::Ok || seq != uint64_t(i)) {
        send_failed = true;
        return;
      }
      ++sent;
    }
  });

  std::vector<int64_t> partial_ns, ack_seqs;
  int errors = 0, lagged = 0, other = 0;
  bool closed = false, timed_out = false;
  std::string first_error;
  std::thread receiver([&] {
    while (partial_ns.size() < kN || ack_seqs.size() < kN) {
      NextResult r = events.next(deadline);
      if (auto* p = std::get_if<EventPtr>(&r)) {
        const Event* e = p->get();
        if (e->type == "partial_text") {
          partial_ns.push_back(e->body->value("n", int64_t{-1}));
        } else if (e->type == "ack") {
          ack_seqs.push_back(e->body->value("seq", int64_t{-1}));
          if (e->body->value("bytes", 0) != 320) ++other;
        } else if (e->type == "error") {
          if (errors++ == 0) first_error = e->body->dump();
        } else if (e->type != "ready") {
          ++other;
        }
      } else if (std::holds_alternative<Lagged>(r)) {
        ++lagged;
      } else if (std::holds_alternative<Closed>(r)) {
        closed = true;
        return;
      } else {
        timed_out = true;
        return;
      }
    }
  });
  sender.join();
  receiver.join();
  const auto wall = Clock::now() - start;

  EXPECT_FALSE(send_failed);
  EXPECT_EQ(sent, kN);
  EXPECT_FALSE(closed);
  EXPECT_FALSE(timed_out) << "deadlock or stall: " << partial_ns.size() << " partials, "
                          << ack_seqs.size() << " acks";
  EXPECT_EQ(errors, 0) << first_error;  // a BAD_FRAME would mean a lost or reordered frame
  EXPECT_EQ(lagged, 0);
  EXPECT_EQ(other, 0);
  ASSERT_EQ(partial_ns.size(), size_t(kN));
  ASSERT_EQ(ack_seqs.size(), size_t(kN));
  for (int i = 0; i < kN; ++i) {
    ASSERT_EQ(partial_ns[i], i);
    ASSERT_EQ(ack_seqs[i], i);
  }
  const IpcStats st = sc->stats();
  EXPECT_EQ(st.frames_written, uint64_t(kN));
  EXPECT_EQ(st.lines_out, uint64_t(kN));
  EXPECT_EQ(st.audio_bytes_written, uint64_t(kN) * 320);
  EXPECT_EQ(st.lines_in, uint64_t(2 * kN + 1));  // + ready
  EXPECT_EQ(st.malformed_lines + st.oversized_lines + st.unknown_lines, 0u);
  EXPECT_EQ(sc->events_lagged(), 0u);
  const double ms = std::chrono::duration<double, std::milli>(wall).count();
  std::cout << "[ stress   ] " << kN << " frames in + " << 2 * kN << " events out in " << ms
            << " ms\n";
  RecordProperty("wall_ms", static_cast<int>(ms));
}

TEST(Sidecar, GarbageIsCountedAndSkippedAndEveryGoodEventArrivesInOrder) {
  constexpr int kN = 1000;
  test::WorkerProcess w({"--emit-events", std::to_string(kN), "--garbage"});
  SidecarOptions o;
  o.event_buffer = 4096;
  auto sc = attach(w, o);
  EventStream events = sc->events();
  ASSERT_TRUE(next_of_type(events, "ready"));
  for (int i = 0; i < kN; ++i) {
    auto e = next_of_type(events, "partial_text", 60s);
    ASSERT_TRUE(e);
    ASSERT_EQ(e->body->at("n"), i);
  }
  // Every 100th event the worker writes: a non-JSON line, an unknown type, a JSON array and a
  // 2 MiB partial_text line (over the 1 MiB cap).
  const uint64_t rounds = kN / 100;
  const IpcStats st = sc->stats();
  EXPECT_EQ(st.malformed_lines, 2 * rounds);
  EXPECT_EQ(st.unknown_lines, rounds);
  EXPECT_EQ(st.oversized_lines, rounds);
  EXPECT_EQ(st.lines_in, 1 + kN + rounds);  // ready + events + the unknown ones
  EXPECT_FALSE(sc->output_ended());
  // Still reading after all that: a ping round trip works.
  ASSERT_EQ(sc->sink().send_ping("after-garbage"), SendResult::Ok);
  auto pong = next_of_type(events, "pong");
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->body->at("id"), "after-garbage");
}

TEST(Sidecar, ErrorLinesAreHandedOnTypedAndReadingGoesOn) {
  IpcCounters c;
  std::vector<WorkerMessage> got;
  const OnWorkerMessage keep = [&](WorkerMessage&& m) { got.push_back(std::move(m)); };
  handle_worker_line(R"({"type":"error","code":"BAD_FRAME","recoverable":true})", keep, c);
  handle_worker_line("garbage", keep, c);
  handle_worker_line(R"({"type":"ack","seq":7,"received":8})", keep, c);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, WorkerMessageType::Error);
  EXPECT_EQ(got[0].body->at("code"), "BAD_FRAME");
  EXPECT_EQ(got[1].type, WorkerMessageType::Ack);
  EXPECT_EQ(got[1].ack_seq(), 7);
  EXPECT_EQ(got[1].ack_received(), 8u);
  EXPECT_EQ(c.lines_in.load(), 2u);
  EXPECT_EQ(c.malformed_lines.load(), 1u);
}

TEST(Sidecar, PingFlushAndCloseInputRoundTrip) {
  test::WorkerProcess w({});
  auto sc = attach(w);
  EventStream events = sc->events();
  ASSERT_TRUE(next_of_type(events, "ready"));
  ASSERT_EQ(sc->sink().send_ping("p1"), SendResult::Ok);
  auto pong = next_of_type(events, "pong");
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->body->at("id"), "p1");
  ASSERT_EQ(sc->sink().send_flush(), SendResult::Ok);
  EXPECT_TRUE(next_of_type(events, "final_text"));

  sc->close_input();
  EXPECT_EQ(sc->sink().send_ping("late"), SendResult::Closed);
  // The worker treats EOF like shutdown: exits 0, its stdout closes, the stream ends.
  EXPECT_TRUE(std::holds_alternative<Closed>(events.next_for(20s)));
  EXPECT_TRUE(sc->output_ended());
  auto status = w.wait_for(20s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_EQ(sc->stats().lines_out, 2u);
}

TEST(Sidecar, WorkerExitEndsTheStreamAndTheSink) {
  test::WorkerProcess w({"--exit-after-ms", "200", "--exit-code", "3"});
  auto sc = attach(w);
  EventStream events = sc->events();
  EventStream second = sc->events();
  ASSERT_TRUE(next_of_type(events, "ready"));
  EXPECT_TRUE(std::holds_alternative<Closed>(events.next_for(20s)));
  EXPECT_TRUE(sc->output_ended());
  // The other stream drains what it has, then is Closed too.
  ASSERT_TRUE(next_of_type(second, "ready"));
  EXPECT_TRUE(std::holds_alternative<Closed>(second.next_for(1s)));
  const std::vector<int16_t> pcm(160);
  EXPECT_EQ(sc->sink().send_frame("", pcm, Clock::now() + 1s), SendResult::Closed);
  EXPECT_EQ(sc->sink().try_send_frame("", pcm), SendResult::Closed);
  EXPECT_EQ(sc->sink().send_ping("x"), SendResult::Closed);
  EXPECT_EQ(sc->sink().send_shutdown(), SendResult::Closed);
  auto status = w.wait_for(20s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 3);
}

// Fills the sink of a worker that never reads stdin. Returns frames accepted before Full.
int fill_until_full(Sidecar& sc) {
  const auto pcm = frame_for(0);
  for (int i = 0; i < 100000; ++i) {
    const auto start = Clock::now();
    const SendResult r = sc.sink().send_frame("", pcm, start + 20ms);
    const auto took = Clock::now() - start;
    EXPECT_LT(took, 20ms + 500ms) << "send_frame blocked past its deadline";
    if (r == SendResult::Full) return i;
    EXPECT_EQ(r, SendResult::Ok);
    if (r != SendResult::Ok) return -1;
  }
  ADD_FAILURE() << "never Full";
  return -1;
}

TEST(Sidecar, StuckWorkerBackpressureFullThenDestructorReturnsWhenKilled) {
  test::WorkerProcess w({"--no-read"});
  SidecarOptions o;
  o.close_timeout = 60s;  // so only the closed pipes, not the timeout, can end the destructor
  auto sc = attach(w, o);
  EventStream events = sc->events();
  ASSERT_TRUE(next_of_type(events, "ready"));
  const int accepted = fill_until_full(*sc);
  EXPECT_GT(accepted, int(o.sink_queue_frames));  // the queue plus what the pipe took
  EXPECT_EQ(sc->sink().queued_frames(), o.sink_queue_frames);
  // A frame line is ~480 bytes; a 64 KiB pipe plus 50 queued frames is well under 1000.
  EXPECT_LT(accepted, 1000);

  w.kill(SIGKILL);
  ASSERT_TRUE(w.wait_for(20s));
  const auto start = Clock::now();
  sc.reset();
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_TRUE(std::holds_alternative<Closed>(events.next_for(1s)));
}

TEST(Sidecar, StuckLiveWorkerCannotHangTheDestructor) {
  test::WorkerProcess w({"--no-read"});
  SidecarOptions o;
  o.close_timeout = 200ms;
  auto sc = attach(w, o);
  EventStream events = sc->events();
  ASSERT_TRUE(next_of_type(events, "ready"));
  ASSERT_GT(fill_until_full(*sc), 0);  // the writer is now blocked on a full pipe
  const auto start = Clock::now();
  sc.reset();  // the worker is alive and holds every pipe open
  const auto took = Clock::now() - start;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(std::holds_alternative<Closed>(events.next_for(1s)));
  EXPECT_FALSE(w.wait_for(0ms));  // it really was still running
}

TEST(Sidecar, WorkerIgnoringEofCannotHangTheDestructor) {
  test::WorkerProcess w({"--ignore-shutdown"});
  SidecarOptions o;
  o.close_timeout = 200ms;
  auto sc = attach(w, o);
  EventStream events = sc->events();
  ASSERT_TRUE(next_of_type(events, "ready"));
  const auto start = Clock::now();
  sc.reset();
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(Sidecar, StderrLinesAreLoggedWithThePidAndCounted) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  auto capture = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  spdlog::set_default_logger(capture);
  {
    test::WorkerProcess w({"--stderr-lines", "5"});
    auto sc = attach(w);
    EXPECT_TRUE(test::wait_until([&] { return sc->stats().stderr_lines >= 5; }));
    EXPECT_EQ(sc->stats().stderr_lines, 5u);
    sc->close_input();
    EXPECT_TRUE(w.wait_for(20s));
    sc.reset();  // joins the stderr thread before the logger is swapped back
    const std::string prefix = "worker[" + std::to_string(w.pid()) + "] ";
    for (int i = 0; i < 5; ++i) {
      EXPECT_NE(log.str().find(prefix + "test worker log line " + std::to_string(i)),
                std::string::npos)
          << log.str();
    }
  }
  spdlog::set_default_logger(previous);
}

TEST(Sidecar, AttachRejectsMissingPipes) {
  EXPECT_THROW(Sidecar::attach(WorkerPipes{}, 1, {}), std::invalid_argument);
}

}  // namespace
}  // namespace vs
