#include "wyoming/wyoming_session.h"

#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "audio/recorder.h"
#include "sources/stream_source.h"

namespace vs {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto kBusyRetry = 100ms;  // the recorder runs an HTTP recording: look again this often
constexpr auto kFullRetry = 2ms;    // the ring was full: offer the held frames again after this
constexpr auto kLinger = 1s;        // after an error, how long the client gets to close first

// A peer that went away: normal for Wyoming clients (they drop the connection once they have
// their transcript), so never worth more than a debug line.
bool peer_gone(boost::system::error_code ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
         ec == asio::error::connection_aborted;
}

// Reasons a recording ends with its transcript intact; any other (overflow, ...) is an error.
bool clean_end(const std::string& reason) {
  return reason == "end_of_stream" || reason == "requested" || reason == "shutdown";
}

}  // namespace

WyomingSession::WyomingSession(Protocol::socket socket, std::shared_ptr<WyomingShared> shared)
    : socket_(std::move(socket)),
      shared_(std::move(shared)),
      executor_(socket_.get_executor()),
      timer_(executor_),
      watchdog_(executor_),
      quiet_since_(Clock::now()) {
  publish_idle();  // admitted idle: a connection that never speaks may be evicted
}

void WyomingSession::start() {
  quiet_since_ = Clock::now();
  publish_idle();
  watch();
  read();
}

void WyomingSession::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(Protocol::socket::shutdown_both, ignored);
  socket_.close(ignored);
  timer_.cancel();
  watchdog_.cancel();
  stop_recording("client_closed");  // the slot is free as soon as the recording has ended
  release();
  out_.clear();
  out_bytes_ = 0;
  shared_->forget(this);
}

// Stops the recording this connection feeds, if any, with `reason` (the first reason wins: after
// audio-stop it stays end_of_stream).
void WyomingSession::stop_recording(const std::string& reason) {
  if (recording_ && !recording_->finished()) recording_->request_stop(reason);
}

// Gives up what the connection holds in the daemon: its place in the queue or its turn, and the
// recording it feeds. After audio-stop the source's end_of_stream stays the recording's reason
// (the first reason wins); before it, the audio so far is still transcribed.
void WyomingSession::release() {
  events_ = EventStream{};
  ticket_.reset();  // a turn not yet used goes to the next connection
  turn_.reset();
  stop_recording("requested");
  recording_.reset();
  source_ = nullptr;
  state_ = State::Idle;
}

std::optional<WyomingSession::Clock::time_point> WyomingSession::idle_since() const {
  const int64_t ns = idle_since_ns_.load(std::memory_order_relaxed);
  if (ns == kBusy) return std::nullopt;
  return Clock::time_point(std::chrono::nanoseconds(ns));
}

void WyomingSession::publish_idle() {
  const bool idle = !closed_ && state_ == State::Idle && !close_after_write_ && !writing_ && out_.empty();
  idle_since_ns_.store(idle ? std::chrono::duration_cast<std::chrono::nanoseconds>(quiet_since_.time_since_epoch()).count()
                            : kBusy,
                       std::memory_order_relaxed);
}

// ---- the deadlines --------------------------------------------------------------------------
// One timer for the three client deadlines; it wakes at the earliest that applies and looks
// again (the marks it measures from only move forward, so a wake-up before a deadline re-arms).

void WyomingSession::watch() {
  if (closed_ || lingering_) return;
  const auto& ctx = shared_->context;
  const auto now = Clock::now();
  Clock::time_point at = now + std::min(ctx.idle_timeout, ctx.read_timeout);  // nothing applies: look again
  if (writing_) at = std::min(at, write_since_ + ctx.idle_timeout);
  const bool awaiting_input = !paused_ && !out_full_ && !close_after_write_;
  if (awaiting_input && state_ == State::Idle) at = std::min(at, quiet_since_ + ctx.idle_timeout);
  if (awaiting_input && state_ == State::Recording) at = std::min(at, quiet_since_ + ctx.read_timeout);
  watchdog_.expires_at(at);
  watchdog_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->on_watchdog();
  });
}

void WyomingSession::on_watchdog() {
  if (closed_ || lingering_) return;
  const auto& ctx = shared_->context;
  const auto now = Clock::now();
  if (writing_ && now >= write_since_ + ctx.idle_timeout) {
    spdlog::info("wyoming: the client read nothing of what we wrote for {} ms (wyoming.idle_timeout_ms); closing",
                 ctx.idle_timeout.count());
    return close();
  }
  const bool awaiting_input = !paused_ && !out_full_ && !close_after_write_;
  if (awaiting_input && state_ == State::Idle && now >= quiet_since_ + ctx.idle_timeout) {
    spdlog::info("wyoming: closing a connection idle for {} ms (wyoming.idle_timeout_ms)", ctx.idle_timeout.count());
    return close();
  }
  if (awaiting_input && state_ == State::Recording && now >= quiet_since_ + ctx.read_timeout) {
    stop_recording("read_timeout");
    fail("no audio for " + std::to_string(ctx.read_timeout.count()) +
                    " ms in the middle of a transcription (wyoming.read_timeout_ms), so the turn is given up; send "
                    "audio-chunk events without long gaps and end with audio-stop",
                "read_timeout");
  }
  watch();  // after an error too: the client must still read it
}

// After an `error`: the client may still be sending (its audio waited in the socket while it
// was queued). Closing with unread bytes would reset the connection and could destroy the error
// before the client reads it, so stop sending, discard what comes until the client closes (or a
// second passes), then close.
void WyomingSession::linger_then_close() {
  boost::system::error_code ignored;
  socket_.shutdown(Protocol::socket::shutdown_send, ignored);
  lingering_ = true;
  watchdog_.cancel();
  timer_.expires_after(kLinger);
  timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->close();
  });
  if (!reading_) discard_until_eof();  // else the pending read's completion goes on discarding
}

void WyomingSession::discard_until_eof() {
  if (closed_) return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
    self->on_read(ec, n);
  });
}

// ---- reading and decoding -------------------------------------------------------------------

void WyomingSession::read() {
  if (closed_ || paused_ || out_full_ || reading_ || close_after_write_) return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
    self->on_read(ec, n);
  });
}

void WyomingSession::on_read(boost::system::error_code ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (lingering_) return ec ? close() : discard_until_eof();
  if (close_after_write_) return;  // an error is on its way out; what the client sent is moot
  if (ec) {
    if (!peer_gone(ec)) spdlog::info("wyoming: read failed: {}", ec.message());
    return close();
  }
  quiet_since_ = Clock::now();
  decoder_.feed(std::string_view(in_.data(), n));
  handle_events();
}

void WyomingSession::handle_events() {
  handling_ = true;
  while (!closed_ && !paused_ && !out_full_ && !close_after_write_) {
    std::optional<WyomingEvent> ev;
    try {
      ev = decoder_.next();
      if (!ev) break;
      handle(std::move(*ev));
    } catch (const WyomingProtocolError& e) {
      handling_ = false;
      return fail(std::string("malformed event: ") + e.what(), "bad_event");
    }
  }
  handling_ = false;
  publish_idle();
  read();
}

void WyomingSession::resume() {
  paused_ = false;
  quiet_since_ = Clock::now();  // the client's silence counts from when we listen again
  if (!handling_) handle_events();  // inside the loop, clearing the flag is enough
}

void WyomingSession::handle(WyomingEvent ev) {
  if (ev.type == "describe") {
    send(info_event(shared_->context.model ? shared_->context.model() : ModelInfo{}));
  } else if (ev.type == "ping") {
    WyomingEvent pong{"pong"};
    if (const auto it = ev.data.find("text");
        it != ev.data.end() && it->is_string() && it->get_ref<const std::string&>().size() <= kMaxPongText) {
      pong.data["text"] = *it;
    }
    send(pong);
  } else if (ev.type == "transcribe") {
    if (state_ == State::Idle) want_turn();
  } else if (ev.type == "audio-start") {
    on_audio_start(ev);
  } else if (ev.type == "audio-chunk") {
    on_audio_chunk(ev);
  } else if (ev.type == "audio-stop") {
    on_audio_stop();
  } else {
    // The protocol asks servers to drop what they do not know (select-program, ...).
    spdlog::debug("wyoming: ignoring a {} event", ev.type);
  }
}

// ---- the turn: one recording at a time ------------------------------------------------------

void WyomingSession::want_turn() {
  state_ = State::Queued;
  pause();  // the client's audio waits in its socket, not in our memory
  queue_deadline_ = std::chrono::steady_clock::now() + shared_->context.queue_timeout;
  timer_.expires_at(queue_deadline_);
  timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->on_queue_timeout();
  });
  std::weak_ptr<WyomingShared> shared = shared_;
  ticket_ = shared_->turns.join([weak = weak_from_this(), shared, ex = executor_] {
    if (auto s = shared.lock()) s->post(ex, [weak] {
        if (auto self = weak.lock()) self->on_turn();
      });
  });
}

void WyomingSession::on_turn() {
  if (closed_ || state_ != State::Queued) return;
  timer_.cancel();
  try_start_recording();
}

void WyomingSession::on_queue_timeout() {
  if (closed_ || state_ != State::Queued) return;
  if (ticket_ && ticket_->holds_turn()) return;  // granted just now: on_turn is on its way
  const size_t ahead = ticket_ ? ticket_->ahead() : 0;
  ticket_.reset();
  state_ = State::Idle;
  fail("busy: another transcription holds the one speech worker; waited " +
           std::to_string(shared_->context.queue_timeout.count()) + " ms for a turn (wyoming.queue_timeout_ms) with " +
           std::to_string(ahead) + " connection(s) ahead",
       "busy");
}

void WyomingSession::try_start_recording() {
  if (closed_ || state_ != State::Queued) return;
  auto& ctx = shared_->context;
  if (const std::string why = ctx.why_no_audio(); !why.empty()) {
    state_ = State::Idle;
    ticket_.reset();
    return fail(why, "worker_unavailable");
  }
  events_ = ctx.bus.subscribe();  // before the start: recording_started must not be missed
  follower_ = TranscriptFollower{};
  // A waiting stream: a client sending faster than real time is slowed down (reading pauses),
  // never overflowed; a live microphone never fills the ring anyway.
  auto source = std::make_unique<StreamSource>(/*waits=*/true);
  StreamSource* raw = source.get();
  std::string busy;
  std::shared_ptr<Recording> rec;
  try {
    rec = ctx.recorder.start(std::move(source), "wyoming", &busy);
  } catch (const std::exception& e) {
    events_ = EventStream{};
    state_ = State::Idle;
    ticket_.reset();
    return fail(std::string("cannot start a recording: ") + e.what(), "recording_failed");
  }
  if (!rec) {
    // An HTTP recording holds the recorder: wait for it within the same queue deadline.
    events_ = EventStream{};
    if (std::chrono::steady_clock::now() + kBusyRetry >= queue_deadline_) {
      state_ = State::Idle;
      ticket_.reset();
      return fail("busy: " + busy + "; waited " + std::to_string(ctx.queue_timeout.count()) +
                      " ms for it to end (wyoming.queue_timeout_ms)",
                  "busy");
    }
    timer_.expires_after(kBusyRetry);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->try_start_recording();
    });
    return;
  }
  recording_ = rec;
  source_ = raw;
  source_ended_ = false;
  stop_pending_ = false;
  state_ = State::Recording;
  // The turn belongs to the recording until it has finished (its last final written), however
  // it ends: the next connection then finds the recorder free.
  turn_ = std::move(ticket_);
  rec->on_finished([turn = turn_]() mutable { turn.reset(); });
  follow_events();
  resume();
}

// ---- audio ----------------------------------------------------------------------------------

void WyomingSession::on_audio_start(const WyomingEvent& ev) {
  format_ = pcm_format_of(ev.data);
  converter_.emplace(*format_);
  if (state_ == State::Idle) want_turn();
}

void WyomingSession::on_audio_chunk(const WyomingEvent& ev) {
  if (state_ != State::Recording) {
    spdlog::debug("wyoming: audio-chunk outside a transcription, dropped");
    return;
  }
  // Each chunk says its own format; one that differs from audio-start's gets its own converter.
  const PcmFormat f = ev.data.contains("rate") ? pcm_format_of(ev.data) : format_.value_or(PcmFormat{});
  if (!converter_ || converter_->format() != f) {
    if (converter_) feed(converter_->flush());
    converter_.emplace(f);
  }
  feed(converter_->convert(ev.payload));
}

void WyomingSession::on_audio_stop() {
  if (state_ != State::Recording) return;
  if (converter_) feed(converter_->flush());
  state_ = State::Finishing;
  pause();  // until transcript-stop is written
  if (source_ended_ || !source_) return;
  if (retrying_drain_) {
    stop_pending_ = true;  // finished once the held frames are in
    return;
  }
  // end_of_stream: the pump drains, flushes the worker, waits for the acks. The last frame may
  // not fit yet: then it goes in once the ring has room, like any held frame.
  if (source_->finish() == StreamSource::Fed::Full) {
    stop_pending_ = true;
    retry_drain();
  }
}

void WyomingSession::feed(std::string pcm) {
  if (!source_ || source_ended_ || pcm.empty()) return;
  switch (source_->feed(pcm)) {
    case StreamSource::Fed::Accepted:
      break;
    case StreamSource::Fed::Full:
      pause();
      if (!retrying_drain_) retry_drain();
      break;
    case StreamSource::Fed::Ended:
      source_ended_ = true;  // the recording stopped; its recording_stopped is on the bus
      break;
  }
}

void WyomingSession::retry_drain() {
  retrying_drain_ = true;
  timer_.expires_after(kFullRetry);
  timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!self) return;
    self->retrying_drain_ = false;
    if (ec || self->closed_ || !self->source_) return;
    switch (self->source_->drain()) {
      case StreamSource::Fed::Full:
        return self->retry_drain();
      case StreamSource::Fed::Ended:
        self->source_ended_ = true;
        break;
      case StreamSource::Fed::Accepted:
        if (self->stop_pending_) {
          self->stop_pending_ = false;
          if (self->source_->finish() == StreamSource::Fed::Full) {
            self->stop_pending_ = true;
            self->retry_drain();
          }
          return;  // Finishing: reading stays paused until the transcript is out
        }
        break;
    }
    if (self->state_ == State::Recording) self->resume();
  });
}

// ---- the recording's events -> transcript events ---------------------------------------------

void WyomingSession::follow_events() {
  while (!closed_ && (state_ == State::Recording || state_ == State::Finishing)) {
    NextResult r = events_.poll();
    if (auto* ev = std::get_if<EventPtr>(&r)) {
      for (const WyomingEvent& out : follower_.on_event(*(*ev)->body)) send(out);
      if (follower_.stopped()) return end_transcription();
      continue;
    }
    if (auto* lag = std::get_if<Lagged>(&r)) {
      spdlog::warn("wyoming: fell {} events behind the bus; the transcript may miss text", lag->missed);
      continue;
    }
    if (std::holds_alternative<Closed>(r)) return close();  // the daemon is shutting down
    std::weak_ptr<WyomingShared> shared = shared_;
    const bool armed = events_.wake_when_ready([weak = weak_from_this(), shared, ex = executor_] {
      if (auto s = shared.lock()) s->post(ex, [weak] {
          if (auto self = weak.lock()) self->follow_events();
        });
    });
    if (armed) return;
  }
}

void WyomingSession::end_transcription() {
  const std::string reason = follower_.stop_reason();
  events_ = EventStream{};
  recording_.reset();
  source_ = nullptr;
  converter_.reset();
  format_.reset();
  stop_pending_ = false;
  state_ = State::Idle;
  quiet_since_ = Clock::now();  // idle from now: the client has its transcript to read
  if (!clean_end(reason)) {
    return fail("the recording stopped: " + reason + (follower_.text().empty() ? "" : "; heard so far: " + follower_.text()),
                "recording_" + reason);
  }
  for (const WyomingEvent& out : follower_.finish()) send(out);
  resume();
}

// ---- writing --------------------------------------------------------------------------------

// What waits to be written is bounded: above kOutboundHighWater we stop reading (a client that
// does not read what it asked for cannot ask for more), past kMaxOutboundBytes we close.
void WyomingSession::send(const WyomingEvent& ev) {
  if (closed_) return;
  out_.push_back(encode_wyoming(ev));
  out_bytes_ += out_.back().size();
  if (out_bytes_ > kMaxOutboundBytes) {
    spdlog::info("wyoming: the client does not read; {} bytes wait to be written (limit {}); closing", out_bytes_,
                 kMaxOutboundBytes);
    return close();
  }
  if (out_bytes_ > kOutboundHighWater) out_full_ = true;
  write_next();
}

void WyomingSession::write_next() {
  if (writing_ || out_.empty() || closed_) return;
  writing_ = true;
  write_since_ = Clock::now();
  publish_idle();
  asio::async_write(socket_, asio::buffer(out_.front()),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      self->writing_ = false;
                      if (self->closed_) return;
                      if (ec) {
                        if (!peer_gone(ec)) spdlog::info("wyoming: write failed: {}", ec.message());
                        return self->close();
                      }
                      self->out_bytes_ -= self->out_.front().size();
                      self->out_.pop_front();
                      // transcript-stop is out: the next connection's turn may begin.
                      if (self->out_.empty() && self->state_ == State::Idle) self->turn_.reset();
                      if (self->out_.empty() && self->close_after_write_) return self->linger_then_close();
                      self->publish_idle();
                      if (self->out_full_ && self->out_bytes_ <= kOutboundHighWater / 2) {
                        self->out_full_ = false;
                        self->quiet_since_ = Clock::now();
                        if (!self->handling_) self->handle_events();
                      }
                      self->write_next();
                    });
}

// An `error` event, then the connection closes (the daemon and other connections go on).
void WyomingSession::fail(const std::string& text, const std::string& code) {
  if (closed_ || close_after_write_) return;
  spdlog::info("wyoming: {} ({})", text, code);
  send(WyomingEvent{"error", {{"text", text}, {"code", code}}});
  close_after_write_ = true;
  pause();
  timer_.cancel();
  release();
  publish_idle();
}

}  // namespace vs
