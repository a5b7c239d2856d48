#include "audio/recording.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace vs {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// How long one send may wait for room in the worker's sink: short, so the pump still sees an
// overflow, a stop request or a new worker within a millisecond or two.
constexpr auto kSendWait = 1ms;
// Frames sent per turn at most, between those checks.
constexpr int kFramesPerTurn = 64;

std::string end_reason(const std::string& kind, const SourceEnd& end) {
  if (end.kind == SourceEnd::Kind::EndOfInput) return kind == "file" ? "end_of_file" : "end_of_stream";
  return kind == "mic" ? "device_error" : "source_error";
}

}  // namespace

Recording::Recording(std::unique_ptr<AudioSource> source, std::string input, RecordingOptions options,
                     const WorkerLinkSlot& worker, EventBus& bus)
    : input_(std::move(input)),
      options_(std::move(options)),
      worker_(worker),
      bus_(bus),
      source_(std::move(source)),
      ring_(options_.ring_frames),
      writer_(ring_),
      replay_(options_.replay_frames) {
  snap_.id = options_.id;
  snap_.state = "recording";
  snap_.source = source_->kind();
  snap_.input = input_;
}

Recording::~Recording() {
  request_stop("shutdown");
  wait();
  source_->stop();
}

void Recording::start() {
  finals_ = TranscriptStream(bus_.subscribe(), options_.id);
  {
    std::lock_guard lock(mu_);
    snap_.started_at = std::chrono::system_clock::now();
  }
  started_event_ = publish({{"type", "recording_started"}, {"source", snap_.source}, {"input", input_}});
  pump_ = std::thread([this] { run(); });
  const std::string kind = snap_.source;
  try {
    source_->start(writer_, [this, kind](const SourceEnd& end) {
      {
        std::lock_guard lock(mu_);
        if (stop_reason_.empty()) {
          stop_reason_ = end_reason(kind, end);
          stop_error_ = end.message;
        }
      }
      stop_requested_ = true;
    });
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mu_);
      stop_error_ = e.what();
    }
    request_stop("source_error");
    wait();
    throw;
  }
}

void Recording::request_stop(const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (stop_reason_.empty()) stop_reason_ = reason;
  }
  stop_requested_ = true;
}

void Recording::wait() {
  std::lock_guard lock(join_mu_);
  if (!pump_.joinable()) return;
  // An on_finished callback may drop the last reference to this recording on the pump thread
  // itself: that thread is ending anyway, and cannot join itself.
  if (pump_.get_id() == std::this_thread::get_id()) return pump_.detach();
  pump_.join();
}

RecordingSnapshot Recording::snapshot() const {
  RecordingSnapshot s;
  {
    std::lock_guard lock(mu_);
    s = snap_;
  }
  s.frames_captured = writer_.captured();
  s.frames_rejected = writer_.rejected();
  s.frames_sent = sent_.load();
  s.frames_acked = acked_.load();
  s.frames_replayed = replayed_.load();
  s.frames_lost = lost_.load();
  s.worker_frames_received = worker_received_.load();
  s.occupancy = static_cast<double>(ring_.size()) / static_cast<double>(ring_.capacity());
  s.level = static_cast<BufferLevel>(level_.load());
  return s;
}

// ---- the pump thread -----------------------------------------------------------------------

void Recording::run() {
  for (;;) {
    const auto now = Clock::now();
    if (!ending_ && writer_.rejected() > 0) {
      end_on_overflow();
      break;
    }
    if (!ending_ && stop_requested_.load()) {
      std::string reason;
      {
        std::lock_guard lock(mu_);
        reason = stop_reason_;
      }
      begin_ending(reason);
    }
    if (auto link = worker_.load(); link != link_) switch_worker(std::move(link));
    apply_acks();
    const Step step = pump_turn();
    observe_level();
    drain_events();
    if (ending_ && try_finish(now)) break;
    if (step == Step::TookFromRing) {
      pacer_.frames_arrived(now);
      writer_.room_made();
    }
    if (step == Step::Idle) nap();
  }
  std::vector<std::function<void()>> done;
  {
    std::lock_guard lock(mu_);
    finished_ = true;
    done.swap(on_finished_);
  }
  for (auto& f : done) f();
}

void Recording::on_finished(std::function<void()> done) {
  {
    std::lock_guard lock(mu_);
    if (!finished_) {
      on_finished_.push_back(std::move(done));
      return;
    }
  }
  done();
}

// Nothing moved this turn. The producer never signals the pump (a microphone callback makes no
// syscall), so it polls: with an empty ring it sleeps until just before the next frame is due;
// with frames waiting for a worker that is behind, the send already waited, so it goes again.
void Recording::nap() {
  if (ring_.size() == 0) return std::this_thread::sleep_for(pacer_.idle_sleep(Clock::now()));
  if (!link_ || link_broken_) std::this_thread::sleep_for(PollPacer::kPoll);
}

// No worker to send to: the ring's frames wait in `pending_` (up to the replay bound) instead of
// in the ring, so the ring overflows only when a gap outlasts both.
Recording::Step Recording::hold_while_no_worker() {
  bool moved = false;
  while (pending_.size() < options_.replay_frames) {
    const AudioFrame* f = ring_.front();
    if (!f) break;
    pending_.push_back(*f);
    ring_.pop();
    moved = true;
  }
  return moved ? Step::TookFromRing : Step::Idle;
}

Recording::Step Recording::pump_turn() {
  if (!link_ || link_broken_) return hold_while_no_worker();
  // A new worker catching up on what waited (faster than real time): the ring keeps draining
  // into the pending queue behind it, as long as the worker takes audio at all. One that takes
  // nothing for the ring's length leaves the ring to fill, and the overflow stop says so.
  const bool catching_up = !pending_.empty() && Clock::now() - last_taken_ < ring_duration();
  const Step held = catching_up ? hold_while_no_worker() : Step::Idle;
  AudioSink& sink = link_->sidecar->sink();
  bool progressed = false, from_ring = false;
  // Before this instance's first frame of the stream: the worker decodes it as asked from its
  // first sample (a replay included). A full control queue means a stuck writer: try next turn.
  if (!options_sent_ && !options_.decode.empty()) {
    if (sink.send_stream_options(stream_, options_.decode) != SendResult::Ok) return held;
  }
  options_sent_ = true;
  if (!timeline_set_) {
    // Before this instance's first frame, so that its first answers (which can overtake the
    // next pump turn) are on the recording's timeline too: its next seq is the recording's
    // next frame, and its times move by the difference.
    const ReplayBuffer::Entry* e = replay_.next_unsent();
    const uint64_t first = e ? e->index : next_index_;
    link_->state->set_timeline(stream_,
                               (static_cast<int64_t>(first) - static_cast<int64_t>(sink.next_seq(stream_))) * kFrameMs,
                               options_.id);
    timeline_set_ = true;
  }
  for (int budget = kFramesPerTurn; budget > 0; --budget) {
    uint64_t seq = 0;
    SendResult r;
    // Unacknowledged frames of an earlier instance go first, in their order, then what waited
    // while no worker was ready, then new audio.
    if (ReplayBuffer::Entry* e = replay_.next_unsent()) {
      r = sink.send_frame(stream_, e->pcm, Clock::now() + kSendWait, &seq);
      if (r == SendResult::Ok) {
        replay_.resent(*e, seq);
        ++replayed_;
      }
    } else if (!pending_.empty()) {
      r = sink.send_frame(stream_, pending_.front(), Clock::now() + kSendWait, &seq);
      if (r == SendResult::Ok) {
        replay_.sent(next_index_++, pending_.front(), seq);
        pending_.pop_front();
        ++sent_;
      }
    } else if (const AudioFrame* f = ring_.front()) {
      r = sink.send_frame(stream_, *f, Clock::now() + kSendWait, &seq);
      if (r == SendResult::Ok) {
        replay_.sent(next_index_++, *f, seq);
        ring_.pop();
        ++sent_;
        from_ring = true;
      }
    } else {
      // Everything is with the worker. When the recording ends, ask it for the last final (the
      // sink takes the flush once the stream's queued frames are written: it says Full till then).
      if (ending_ && flushed_generation_ != link_->generation && sink.send_flush(stream_) == SendResult::Ok) {
        flushed_generation_ = link_->generation;
      }
      break;
    }
    if (r == SendResult::Closed) link_broken_ = true;  // the supervisor will swap the link
    if (r != SendResult::Ok) break;                    // Full: the worker is behind
    progressed = true;
  }
  if (progressed) last_taken_ = Clock::now();
  if (from_ring || held == Step::TookFromRing) return Step::TookFromRing;
  return progressed ? Step::Progressed : Step::Idle;
}

void Recording::switch_worker(std::shared_ptr<const WorkerLink> link) {
  if (link_) {
    apply_acks();  // its last word
    link_->state->clear_timeline(stream_);
    if (const uint64_t lost = replay_.instance_ended()) {
      lose(lost, "the worker ended before acknowledging them, and they were beyond audio.replay_seconds");
    }
    spdlog::info("recording: worker instance {} gone; {} frames to replay", link_->generation, replay_.size());
  }
  link_ = std::move(link);
  link_broken_ = false;
  timeline_set_ = false;
  options_sent_ = false;
  // Its own stream where the worker carries several; else protocol 1's only one.
  stream_ = link_ && link_->state->carries_streams() ? options_.id : std::string();
  last_taken_ = Clock::now();
  if (link_) replay_.begin_instance();
}

void Recording::apply_acks() {
  if (!link_) return;
  acked_ += replay_.ack(link_->state->acked(stream_));
  worker_received_.store(link_->state->worker_received(stream_), std::memory_order_relaxed);
}

void Recording::observe_level() {
  const double occupancy = static_cast<double>(ring_.size()) / static_cast<double>(ring_.capacity());
  const BufferLevel before = levels_.current();
  const auto rose = levels_.observe(occupancy, false);
  level_ = static_cast<int>(levels_.current());
  if (rose && !source_->waits_on_full_ring()) {
    // A jump from normal straight to critical still says warn first: one event per level entered.
    if (before < BufferLevel::Warn) publish({{"type", "buffer_warn"}, {"occupancy", occupancy}});
    if (*rose == BufferLevel::Critical) publish({{"type", "buffer_critical"}, {"occupancy", occupancy}});
  }
}

void Recording::drain_events() {
  while (std::optional<TranscriptEvent> e = finals_.poll()) {
    const auto* final_text = std::get_if<FinalText>(&*e);
    if (final_text && final_text->latency_ms && options_.on_final_latency) {
      options_.on_final_latency(*final_text->latency_ms);
    }
  }
}

void Recording::begin_ending(const std::string& reason) {
  ending_ = true;
  ending_reason_ = reason;
  writer_.close();  // a producer waiting for room learns it has ended
  source_->stop();
  ending_deadline_ = Clock::now() + options_.flush_timeout;
  // The state stays "recording" (DESIGN §2 knows idle, recording, stopped) until the worker
  // has acknowledged the last audio.
  spdlog::info("recording ending ({}): {} frames in the ring, {} awaiting acks", reason, ring_.size(), replay_.size());
}

bool Recording::try_finish(Clock::time_point now) {
  const std::string& reason = ending_reason_;
  // Done when everything is acknowledged — and, with a worker, once it was asked to flush (the
  // worker acks an utterance only after its final, so that final is out before we say stopped).
  const bool flushed = !link_ || link_broken_ || flushed_generation_ == link_->generation;
  if (ring_.size() == 0 && pending_.empty() && replay_.settled() && flushed) {
    finish(reason, 0);
    return true;
  }
  // The daemon is going away: no worker will come back to take what is left.
  const bool no_worker_coming = reason == "shutdown" && !link_;
  if (now < ending_deadline_ && !no_worker_coming) return false;
  spdlog::warn("recording: no worker acknowledged the last audio within {} ms", options_.flush_timeout.count());
  const uint64_t left = ring_.clear() + take_pending() + replay_.size() + replay_.instance_ended();
  finish(reason, left);
  return true;
}

void Recording::end_on_overflow() {
  observe_level();  // the climb to full is said even when it happened between two turns
  ending_ = true;
  writer_.close();
  source_->stop();
  level_ = static_cast<int>(BufferLevel::Overflow);
  const double seconds = static_cast<double>(ring_.capacity()) * kFrameMs / 1000.0;
  // "5", not "5.0": the contract's text is "Python STT timeout (5 seconds)".
  const std::string secs = fmt::format("{:g}", seconds);
  spdlog::error("recording: the ring of {:.1f} s is full; the worker has not taken audio for that long", seconds);
  publish({{"type", "stt_error"},
           {"error", "Python STT timeout (" + secs + " seconds)"},
           {"action", "Please restart recording"},
           {"severity", "critical"}});
  apply_acks();
  const uint64_t left = writer_.rejected() + ring_.clear() + take_pending() + replay_.size() + replay_.instance_ended();
  {
    std::lock_guard lock(mu_);
    stop_error_ = "the " + secs + " s audio buffer filled up: the worker took audio slower than it came "
                  "(a hung worker, or a source faster than real time that cannot wait)";
  }
  finish("overflow", left);
}

void Recording::finish(const std::string& reason, uint64_t unrecoverable) {
  if (unrecoverable) lose(unrecoverable, reason == "overflow" ? "overflow" : "not acknowledged before the recording ended");
  if (link_) link_->state->clear_timeline(stream_);
  drain_events();
  nlohmann::json body;
  {
    std::lock_guard lock(mu_);
    snap_.state = "stopped";
    snap_.reason = reason;
    snap_.error = stop_error_;
    snap_.stopped_at = std::chrono::system_clock::now();
  }
  const RecordingSnapshot s = snapshot();
  body = s;
  body["type"] = "recording_stopped";
  publish(std::move(body));
  spdlog::info("recording stopped ({}): captured {}, sent {}, acked {}, replayed {}, lost {}", reason,
               s.frames_captured, s.frames_sent, s.frames_acked, s.frames_replayed, s.frames_lost);
}

Clock::duration Recording::ring_duration() const {
  return std::chrono::milliseconds(static_cast<int64_t>(ring_.capacity()) * kFrameMs);
}

uint64_t Recording::take_pending() {
  const uint64_t n = pending_.size();
  pending_.clear();
  return n;
}

void Recording::lose(uint64_t frames, const std::string& why) {
  lost_ += frames;
  spdlog::warn("recording: {} frames lost: {}", frames, why);
  publish({{"type", "audio_lost"}, {"frames", frames}, {"reason", why}});
}

uint64_t Recording::publish(nlohmann::json body) {
  if (!options_.id.empty()) body["recording"] = options_.id;
  return bus_.publish(std::move(body));
}

}  // namespace vs
