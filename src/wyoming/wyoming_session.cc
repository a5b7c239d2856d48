#include "wyoming/wyoming_session.h"

#include <cctype>
#include <utility>

#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "audio/recorder.h"
#include "sources/stream_source.h"
#include "wyoming/heap_trim.h"

namespace vs {

namespace asio = boost::asio;
namespace wev = wyoming::wev;
namespace wact = wyoming::wact;
using wyoming::Fed;
using wyoming::Kind;
using wyoming::Phase;

namespace {

// transcribe {"name", "language"}: Home Assistant names the model it picked from `info` and the
// pipeline's language, which may carry a region ("en-US"): the model's languages are bare codes.
DecodeRequest decode_request_of(const nlohmann::json& data) {
  DecodeRequest d;
  const auto text = [&](const char* key) {
    const auto it = data.find(key);
    return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  d.model = text("name");
  d.language = text("language");
  d.language = d.language.substr(0, d.language.find_first_of("-_"));
  for (char& c : d.language) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return d;
}


// A connection that held more than this (decoded input or queued output) gives its memory back
// to the system when it closes.
constexpr size_t kTrimAfterBytes = 256 * 1024;

// A peer that went away: normal for Wyoming clients (they drop the connection once they have
// their transcript), so never worth more than a debug line.
bool peer_gone(boost::system::error_code ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
         ec == asio::error::connection_aborted;
}

wyoming::SessionPolicy policy_of(const WyomingContext& c) {
  wyoming::SessionPolicy p;
  p.queue_timeout = c.queue_timeout;
  p.idle_timeout = c.idle_timeout;
  p.read_timeout = c.read_timeout;
  return p;
}

Kind kind_of(const std::string& type) {
  if (type == "describe") return Kind::Describe;
  if (type == "ping") return Kind::Ping;
  if (type == "transcribe") return Kind::Transcribe;
  if (type == "audio-start") return Kind::AudioStart;
  if (type == "audio-chunk") return Kind::AudioChunk;
  if (type == "audio-stop") return Kind::AudioStop;
  return Kind::Other;
}

size_t ping_text_bytes(const WyomingEvent& ev) {
  const auto it = ev.data.find("text");
  return it != ev.data.end() && it->is_string() ? it->get_ref<const std::string&>().size() : 0;
}

Fed fed_of(StreamSource::Fed f) {
  switch (f) {
    case StreamSource::Fed::Accepted: return Fed::Accepted;
    case StreamSource::Fed::Full: return Fed::Full;
    case StreamSource::Fed::Ended: return Fed::Ended;
  }
  return Fed::Ended;
}

// Two results of one action: the worse one counts (Ended over Full over Accepted).
Fed worse(Fed a, Fed b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

}  // namespace

WyomingSession::WyomingSession(Protocol::socket socket, std::shared_ptr<WyomingShared> shared)
    : socket_(std::move(socket)),
      shared_(std::move(shared)),
      executor_(socket_.get_executor()),
      policy_(policy_of(shared_->context)),
      watchdog_(executor_),
      retry_(executor_) {
  state_.quiet_since = Clock::now();
  publish_idle();  // admitted idle: a connection that never speaks may be evicted
}

void WyomingSession::start() { dispatch(wev::Started{}); }

void WyomingSession::close() { dispatch(wev::PeerGone{}); }

std::optional<WyomingSession::Clock::time_point> WyomingSession::idle_since() const {
  const int64_t ns = idle_since_ns_.load(std::memory_order_relaxed);
  if (ns == kBusy) return std::nullopt;
  return Clock::time_point(std::chrono::nanoseconds(ns));
}

void WyomingSession::publish_idle() {
  const auto idle = wyoming::idle_since(state_);
  idle_since_ns_.store(idle ? std::chrono::duration_cast<std::chrono::nanoseconds>(idle->time_since_epoch()).count()
                            : kBusy,
                       std::memory_order_relaxed);
}

// ---- the table ------------------------------------------------------------------------------

void WyomingSession::dispatch(wyoming::SessionEvent event) {
  pending_.push_back(std::move(event));
  if (dispatching_) return;  // the loop below takes it
  dispatching_ = true;
  while (!pending_.empty()) {
    wyoming::SessionEvent e = std::move(pending_.front());
    pending_.pop_front();
    wyoming::SessionStep t = wyoming::step(std::move(state_), e, Clock::now(), policy_);
    state_ = std::move(t.state);
    for (const auto& a : t.actions) carry_out(a);
  }
  dispatching_ = false;
  after_step();
}

// What follows from the state rather than from one action: the idle mark for eviction, the
// watchdog, and reading.
void WyomingSession::after_step() {
  publish_idle();
  if (state_.phase == Phase::Closed) return;
  arm_watchdog();
  if (wyoming::reads(state_)) handle_events();
}

void WyomingSession::carry_out(const wyoming::SessionAction& action) {
  std::visit(
      [this](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, wact::SendInfo>) {
          send(info_event(shared_->context.model ? shared_->context.model() : ModelInfo{}));
        } else if constexpr (std::is_same_v<A, wact::SendPong>) {
          WyomingEvent pong{"pong"};
          if (a.echo_text && current_) {
            if (const auto it = current_->data.find("text"); it != current_->data.end() && it->is_string()) {
              pong.data["text"] = *it;
            }
          }
          send(pong);
        } else if constexpr (std::is_same_v<A, wact::SendError>) {
          send(WyomingEvent{"error", {{"text", a.text}, {"code", a.code}}});
        } else if constexpr (std::is_same_v<A, wact::SendTranscript>) {
          for (const WyomingEvent& out : follower_.finish()) send(out);
        } else if constexpr (std::is_same_v<A, wact::SetFormat>) {
          try {
            format_ = pcm_format_of(current_->data);
            converter_.emplace(*format_);
          } catch (const WyomingProtocolError& e) {
            pending_.push_back(wev::Malformed{e.what()});
          }
        } else if constexpr (std::is_same_v<A, wact::JoinQueue>) {
          std::weak_ptr<WyomingShared> shared = shared_;
          ticket_ = shared_->context.recorder.admission().join([weak = weak_from_this(), shared, ex = executor_] {
            if (auto s = shared.lock()) s->post(ex, [weak] {
                if (auto self = weak.lock()) self->dispatch(wev::TurnGranted{});
              });
          });
        } else if constexpr (std::is_same_v<A, wact::LeaveQueue>) {
          ticket_.reset();  // a turn not yet used goes to the next connection
        } else if constexpr (std::is_same_v<A, wact::StartRecording>) {
          start_recording();
        } else if constexpr (std::is_same_v<A, wact::Feed>) {
          pending_.push_back(wev::FeedResult{feed_chunk()});
        } else if constexpr (std::is_same_v<A, wact::Finish>) {
          pending_.push_back(wev::FeedResult{finish_stream()});
        } else if constexpr (std::is_same_v<A, wact::Drain>) {
          pending_.push_back(wev::FeedResult{source_ ? fed_of(source_->drain()) : Fed::Ended});
        } else if constexpr (std::is_same_v<A, wact::StopRecording>) {
          stop_recording(a.reason);
        } else if constexpr (std::is_same_v<A, wact::ReleaseTurn>) {
          turn_.reset();
        } else if constexpr (std::is_same_v<A, wact::ArmRetry>) {
          arm_retry(a.at);
        } else if constexpr (std::is_same_v<A, wact::AwaitRoom>) {
          await_room();
        } else if constexpr (std::is_same_v<A, wact::ShutdownSend>) {
          boost::system::error_code ignored;
          socket_.shutdown(Protocol::socket::shutdown_send, ignored);
        } else if constexpr (std::is_same_v<A, wact::Close>) {
          boost::system::error_code ignored;
          socket_.shutdown(Protocol::socket::shutdown_both, ignored);
          socket_.close(ignored);
          watchdog_.cancel();
          retry_.cancel();
          ticket_.reset();
          turn_.reset();
          stop_recording("client_closed");  // the table said why first; this is a safety net
          decoder_ = WyomingDecoder{};
          if (held_much_) trim_heap_later(executor_);
          shared_->forget(this);
        } else if constexpr (std::is_same_v<A, wact::Log>) {
          switch (a.level) {
            case wact::Level::Debug: spdlog::debug("wyoming: {}", a.text); break;
            case wact::Level::Info: spdlog::info("wyoming: {}", a.text); break;
            case wact::Level::Warn: spdlog::warn("wyoming: {}", a.text); break;
          }
        }
      },
      action);
}

// ---- reading and decoding -------------------------------------------------------------------

void WyomingSession::read() {
  if (reading_ || state_.phase == Phase::Closed || !wyoming::reads(state_)) return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
    self->on_read(ec, n);
  });
}

void WyomingSession::on_read(boost::system::error_code ec, size_t n) {
  reading_ = false;
  if (state_.phase == Phase::Closed) return;
  if (ec) {
    if (!peer_gone(ec)) spdlog::info("wyoming: read failed: {}", ec.message());
    return dispatch(wev::PeerGone{});
  }
  // After an error: what the client sends is discarded until it closes.
  if (state_.phase != Phase::Lingering && state_.phase != Phase::Failing) {
    decoder_.feed(std::string_view(in_.data(), n));
    held_much_ = held_much_ || decoder_.buffered() > kTrimAfterBytes;
  }
  dispatch(wev::Input{});  // after_step handles what was decoded and reads again
}

// The decoded events, one step each, while the table lets the session read.
void WyomingSession::handle_events() {
  if (handling_) return;  // an action inside the loop below: the loop goes on by itself
  handling_ = true;
  while (state_.phase != Phase::Lingering && wyoming::reads(state_)) {
    std::optional<WyomingEvent> ev;
    try {
      ev = decoder_.next();
    } catch (const WyomingProtocolError& e) {
      dispatch(wev::Malformed{e.what()});
      break;
    }
    if (!ev) break;
    current_ = &*ev;
    if (ev->type == "transcribe") decode_ = decode_request_of(ev->data);
    dispatch(wev::Received{kind_of(ev->type), ev->type == "ping" ? ping_text_bytes(*ev) : 0});
    current_ = nullptr;
  }
  handling_ = false;
  read();
}

// ---- the recording --------------------------------------------------------------------------

void WyomingSession::start_recording() {
  auto& ctx = shared_->context;
  if (const std::string why = ctx.recorder.why_no_audio(); !why.empty()) {
    return pending_.push_back(wev::RecordingRefused{why, "worker_unavailable"});
  }
  // A waiting stream: a client sending faster than real time is slowed down (reading pauses),
  // never overflowed; a live microphone never fills the ring anyway.
  const DecodeRequest decode = std::exchange(decode_, DecodeRequest{});  // one turn's
  if (const std::string why = ctx.recorder.why_not_served(decode); !why.empty()) {
    return pending_.push_back(wev::RecordingRefused{why, "model_unavailable"});
  }
  auto source = std::make_unique<StreamSource>(/*waits=*/true);
  StreamSource* raw = source.get();
  raw->claim_producer();  // this connection is its one producer: no upload may feed it
  std::string busy;
  std::shared_ptr<Recording> rec;
  // The turn belongs to the recording until it has finished (its last final written), and to
  // this session until its transcript-stop is written (ReleaseTurn), however it ends. A start
  // retried after a refusal keeps the turn it already holds.
  if (ticket_) turn_ = std::move(ticket_);
  try {
    rec = ctx.recorder.start(std::move(source), "wyoming", &busy, turn_, decode);
  } catch (const std::exception& e) {
    return pending_.push_back(
        wev::RecordingRefused{std::string("cannot start a recording: ") + e.what(), "recording_failed"});
  }
  if (!rec && ctx.recorder.draining()) return pending_.push_back(wev::RecordingRefused{busy, "shutting_down"});
  if (!rec) return pending_.push_back(wev::RecordingBusy{busy});
  // Its own events, from its start on: nothing published before this line is missed.
  transcript_ = rec->transcript();
  follower_ = TranscriptFollower{};
  recording_ = rec;
  source_ = raw;
  pending_.push_back(wev::RecordingStarted{});
  // After this step, once the table is in Recording.
  asio::post(executor_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->follow_events();
  });
}

Fed WyomingSession::feed(std::string pcm) {
  if (!source_) return Fed::Ended;
  if (pcm.empty()) return Fed::Accepted;
  return fed_of(source_->feed(pcm));
}

// Each chunk says its own format; one that differs from audio-start's gets its own converter.
Fed WyomingSession::feed_chunk() {
  try {
    const PcmFormat f = current_->data.contains("rate") ? pcm_format_of(current_->data) : format_.value_or(PcmFormat{});
    Fed result = Fed::Accepted;
    if (!converter_ || converter_->format() != f) {
      if (converter_) result = feed(converter_->flush());
      converter_.emplace(f);
    }
    return worse(result, feed(converter_->convert(current_->payload)));
  } catch (const WyomingProtocolError& e) {
    pending_.push_back(wev::Malformed{e.what()});
    return Fed::Accepted;
  }
}

// audio-stop: the converter's tail, then the end of the stream (again after a Full: finish()
// goes on where it stopped).
Fed WyomingSession::finish_stream() {
  if (!source_) return Fed::Ended;
  Fed result = Fed::Accepted;
  if (converter_) {
    result = feed(converter_->flush());
    converter_.reset();
  }
  return worse(result, fed_of(source_->finish()));
}

void WyomingSession::stop_recording(const std::string& reason) {
  transcript_ = TranscriptStream{};
  if (recording_ && !recording_->finished()) recording_->request_stop(reason);
  recording_.reset();
  source_ = nullptr;
  converter_.reset();
  format_.reset();
}

// The recording's transcript → Wyoming's transcript events, until it has ended.
void WyomingSession::follow_events() {
  while (state_.phase == Phase::Recording || state_.phase == Phase::Finishing) {
    const uint64_t missed = transcript_.missed();
    std::optional<TranscriptEvent> e = transcript_.poll();
    if (transcript_.missed() != missed) {
      spdlog::warn("wyoming: fell {} events behind the bus; the transcript may miss text", transcript_.missed() - missed);
    }
    if (e) {
      for (const WyomingEvent& out : follower_.on_event(*e)) send(out);
      if (follower_.stopped()) return dispatch(wev::TranscriptDone{follower_.stop_reason(), follower_.text()});
      continue;
    }
    if (transcript_.closed()) return dispatch(wev::BusClosed{});  // the daemon is shutting down
    std::weak_ptr<WyomingShared> shared = shared_;
    const bool armed = transcript_.wake_when_ready([weak = weak_from_this(), shared, ex = executor_] {
      if (auto s = shared.lock()) s->post(ex, [weak] {
          if (auto self = weak.lock()) self->follow_events();
        });
    });
    if (armed) return;
  }
}

// ---- writing --------------------------------------------------------------------------------

void WyomingSession::send(const WyomingEvent& ev) {
  if (state_.phase == Phase::Closed) return;
  out_.push_back(encode_wyoming(ev));
  held_much_ = held_much_ || state_.out_bytes + out_.back().size() > kTrimAfterBytes;
  dispatch(wev::Queued{out_.back().size()});  // the table bounds what waits
  write_next();
}

void WyomingSession::write_next() {
  if (writing_ || out_.empty() || state_.phase == Phase::Closed) return;
  writing_ = true;
  asio::async_write(socket_, asio::buffer(out_.front()),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      self->writing_ = false;
                      if (self->state_.phase == Phase::Closed) return;
                      if (ec) {
                        if (!peer_gone(ec)) spdlog::info("wyoming: write failed: {}", ec.message());
                        return self->dispatch(wev::PeerGone{});
                      }
                      const size_t n = self->out_.front().size();
                      self->out_.pop_front();
                      self->write_next();
                      self->dispatch(wev::Written{n});
                    });
}

// ---- timers ---------------------------------------------------------------------------------

// Re-armed only for an earlier deadline: one that moved later (the client spoke) or went away
// makes the next Tick early, and a Tick with nothing due only leads here again.
void WyomingSession::arm_watchdog() {
  const auto at = wyoming::deadline(state_, policy_);
  if (!at || (watchdog_at_ && *watchdog_at_ <= *at)) return;
  watchdog_at_ = at;
  watchdog_.expires_at(*at);
  watchdog_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self) return;
    self->watchdog_at_.reset();
    const bool granted = self->ticket_ && self->ticket_->admitted();
    self->dispatch(wev::Tick{granted, self->ticket_ ? self->ticket_->ahead() : 0});
  });
}

// The pump's thread runs the wake: it only posts the event to this session's thread.
void WyomingSession::await_room() {
  if (!source_) return pending_.push_back(wev::RoomMade{});
  std::weak_ptr<WyomingShared> shared = shared_;
  source_->when_room([weak = weak_from_this(), shared, ex = executor_] {
    if (auto s = shared.lock()) s->post(ex, [weak] {
        if (auto self = weak.lock()) self->dispatch(wev::RoomMade{});
      });
  });
}

void WyomingSession::arm_retry(Clock::time_point at) {
  retry_.expires_at(at);
  retry_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->dispatch(wev::RetryDue{});
  });
}

}  // namespace vs
