// WyomingSession is one Wyoming connection, on one I/O thread, from accept to close. It reads
// bytes, decodes events (frame_codec.h) and answers them:
//   describe → info · ping → pong · unknown types → dropped (as the protocol asks)
//   transcribe / audio-start → wait for the turn (reading paused: the client's audio backs up
//     in its socket), then one recording from a StreamSource · audio-chunk → converted
//     (PcmConverter) and fed; when the ring is full, reading pauses until it has room ·
//   audio-stop → the source ends, the worker flushes; reading pauses until the recording has
//     stopped and transcript + transcript-stop are written.
// The recording's events come from the bus (wake_when_ready → a post to this session's thread)
// and go through a TranscriptFollower. A malformed event gets an `error` and the connection
// closes. Nothing here blocks: every step is a completion on the session's io_context.
// Bounds against a hostile or broken client: outside a transcription a connection that sends
// nothing for idle_timeout is closed; mid-transcription a gap of read_timeout in its audio ends
// the turn with an `error`; what we write is bounded in bytes (reading stops above a high-water
// mark, the connection closes past a hard limit, a pong echoes at most kMaxPongText); a close
// stops the recording at once.
//
// Internal to src/wyoming: includes Asio.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include "events/event_bus.h"
#include "wyoming/frame_codec.h"
#include "wyoming/pcm_converter.h"
#include "wyoming/transcript_follower.h"
#include "wyoming/turn_queue.h"
#include "wyoming/wyoming_shared.h"

namespace vs {

class Recording;
class StreamSource;

class WyomingSession : public std::enable_shared_from_this<WyomingSession> {
 public:
  using Protocol = boost::asio::generic::stream_protocol;

  WyomingSession(Protocol::socket socket, std::shared_ptr<WyomingShared> shared);

  using Clock = std::chrono::steady_clock;
  static constexpr size_t kOutboundHighWater = 256 * 1024;      // reading stops while more waits to be written
  static constexpr size_t kMaxOutboundBytes = 4 * 1024 * 1024;  // past this, the connection closes
  static constexpr size_t kMaxPongText = 1024;                  // a longer ping text is not echoed

  void start();
  // Closes the connection; a recording it was feeding is stopped. Session thread; idempotent.
  void close();
  const boost::asio::any_io_executor& executor() const { return executor_; }
  // Since when the connection is idle (outside a transcription, nothing left to write), nullopt
  // while busy. Any thread: admit() evicts the longest-idle connection when all are taken.
  std::optional<Clock::time_point> idle_since() const;

 private:
  enum class State { Idle, Queued, Recording, Finishing };

  // reading and decoding
  void read();
  void on_read(boost::system::error_code ec, size_t n);
  void handle_events();
  void handle(WyomingEvent ev);
  void pause() { paused_ = true; }
  void resume();

  // the transcription
  void want_turn();
  void on_turn();
  void try_start_recording();
  void on_queue_timeout();
  void on_audio_start(const WyomingEvent& ev);
  void on_audio_chunk(const WyomingEvent& ev);
  void on_audio_stop();
  void feed(std::string pcm);
  void retry_drain();
  void follow_events();
  void end_transcription();

  // writing
  void send(const WyomingEvent& ev);
  void write_next();
  void fail(const std::string& text, const std::string& code);
  void release();
  void linger_then_close();
  void discard_until_eof();
  void stop_recording(const std::string& reason);

  // the deadlines: idle, read (mid-transcription) and write (a client that reads nothing)
  void watch();
  void on_watchdog();
  void publish_idle();

  Protocol::socket socket_;
  std::shared_ptr<WyomingShared> shared_;
  const boost::asio::any_io_executor executor_;
  bool closed_ = false;

  std::array<char, 16 * 1024> in_{};
  WyomingDecoder decoder_;
  bool reading_ = false;   // a read is pending
  bool paused_ = false;    // no read until resume()
  bool handling_ = false;  // inside handle_events()

  std::deque<std::string> out_;
  size_t out_bytes_ = 0;
  bool out_full_ = false;  // over kOutboundHighWater: no reading until the client has read
  bool writing_ = false;
  bool close_after_write_ = false;
  bool lingering_ = false;  // the error is written: discarding input until the client closes

  State state_ = State::Idle;
  std::unique_ptr<TurnQueue::Ticket> ticket_;
  // The turn while transcribing: held by the recording until it has finished and by this session
  // until its transcript-stop is written, so the next connection starts after both.
  std::shared_ptr<TurnQueue::Ticket> turn_;
  boost::asio::steady_timer timer_;  // the queue deadline, then the busy retries and ring-full retries
  std::chrono::steady_clock::time_point queue_deadline_{};
  std::optional<PcmFormat> format_;
  std::optional<PcmConverter> converter_;
  std::shared_ptr<Recording> recording_;
  StreamSource* source_ = nullptr;  // owned by recording_
  bool source_ended_ = false;
  bool stop_pending_ = false;       // audio-stop arrived while the ring was full
  bool retrying_drain_ = false;     // timer_ waits to offer held frames again
  EventStream events_;
  TranscriptFollower follower_;

  boost::asio::steady_timer watchdog_;
  Clock::time_point quiet_since_{};  // the last input, or when reading became possible again
  Clock::time_point write_since_{};  // when the pending write began
  static constexpr int64_t kBusy = INT64_MAX;
  std::atomic<int64_t> idle_since_ns_{kBusy};  // idle_since() for other threads
};

}  // namespace vs
