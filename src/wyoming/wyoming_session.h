// WyomingSession is one Wyoming connection, on one I/O thread, from accept to close. It does the
// I/O and carries out what the session table decides (session_table.h): every decision — answer,
// queue for the turn, start / feed / stop the recording, pause reading, the idle, read, write and
// queue deadlines, the bound on what waits to be written, close — is a row of step(); this class
// owns the socket, the two timers, the decoder, the outbound queue, the turn ticket and the
// recording handles, turns what happens to them into events, and the table's actions back into
// I/O.
//
//   describe → info · ping → pong · transcribe / audio-start → the turn (reading paused: the
//   client's audio backs up in its socket), then one recording from a StreamSource ·
//   audio-chunk → converted (PcmConverter) and fed · audio-stop → the source ends, the worker
//   flushes, transcript + transcript-stop are written.
//
// The recording's transcript (its TranscriptStream; wake_when_ready → a post to this session's
// thread) goes through a TranscriptFollower. Nothing here blocks: every step is a completion on the
// session's io_context.
//
// Internal to src/wyoming: includes Asio.
#pragma once

#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include "worker_pipe/decode_request.h"
#include "audio/transcript_stream.h"
#include "wyoming/frame_codec.h"
#include "wyoming/pcm_converter.h"
#include "wyoming/session_table.h"
#include "wyoming/transcript_follower.h"
#include "audio/admission_queue.h"
#include "wyoming/wyoming_shared.h"

namespace vs {

class Recording;
class StreamSource;

class WyomingSession : public std::enable_shared_from_this<WyomingSession> {
 public:
  using Protocol = boost::asio::generic::stream_protocol;
  using Clock = wyoming::Clock;

  WyomingSession(Protocol::socket socket, std::shared_ptr<WyomingShared> shared);

  void start();
  // Closes the connection; a recording it was feeding is stopped. Session thread; idempotent.
  void close();
  const boost::asio::any_io_executor& executor() const { return executor_; }
  // Since when the connection is idle (outside a transcription, nothing left to write), nullopt
  // while busy. Any thread: admit() evicts the longest-idle connection when all are taken.
  std::optional<Clock::time_point> idle_since() const;

 private:
  // the table: one event through step(), then its actions (which may queue more events)
  void dispatch(wyoming::SessionEvent event);
  void carry_out(const wyoming::SessionAction& action);
  void after_step();
  void publish_idle();

  // reading and decoding
  void read();
  void on_read(boost::system::error_code ec, size_t n);
  void handle_events();

  // the actions that are more than a line
  void start_recording();
  wyoming::Fed feed(std::string pcm);
  wyoming::Fed feed_chunk();
  wyoming::Fed finish_stream();
  void stop_recording(const std::string& reason);
  void follow_events();

  // writing
  void send(const WyomingEvent& ev);
  void write_next();

  // timers
  void arm_watchdog();
  void arm_retry(Clock::time_point at);
  void await_room();

  Protocol::socket socket_;
  std::shared_ptr<WyomingShared> shared_;
  const boost::asio::any_io_executor executor_;
  const wyoming::SessionPolicy policy_;
  wyoming::SessionState state_;
  std::deque<wyoming::SessionEvent> pending_;  // events the actions of a step gave rise to
  bool dispatching_ = false;
  const WyomingEvent* current_ = nullptr;      // the decoded event being handled (its payload, its data)

  std::array<char, 16 * 1024> in_{};
  WyomingDecoder decoder_;
  bool reading_ = false;   // a read is pending
  bool handling_ = false;  // inside handle_events()

  std::deque<std::string> out_;
  bool writing_ = false;
  bool held_much_ = false;  // megabytes went through: trim the heap after the close

  boost::asio::steady_timer watchdog_;  // deadline(state_): a Tick
  std::optional<Clock::time_point> watchdog_at_;
  boost::asio::steady_timer retry_;     // act::ArmRetry: a RetryDue (waiting for a busy recorder)

  std::unique_ptr<AdmissionQueue::Ticket> ticket_;  // waiting in the recorder's admission queue
  // The slot while transcribing: held by the recording until it has finished and by this session
  // until its transcript-stop is written.
  std::shared_ptr<AdmissionQueue::Ticket> turn_;
  std::optional<PcmFormat> format_;
  DecodeRequest decode_;  // the last transcribe's {name, language}: the next recording's

  std::optional<PcmConverter> converter_;
  std::shared_ptr<Recording> recording_;
  StreamSource* source_ = nullptr;  // owned by recording_
  TranscriptStream transcript_;
  TranscriptFollower follower_;

  static constexpr int64_t kBusy = INT64_MAX;
  std::atomic<int64_t> idle_since_ns_{kBusy};  // idle_since() for other threads
};

}  // namespace vs
