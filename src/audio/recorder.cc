#include "audio/recorder.h"

#include "audio/recording_id.h"

namespace vs {
namespace {

void add_counts(RecorderTotals& t, const RecordingSnapshot& s) {
  t.frames_captured += s.frames_captured;
  t.frames_sent += s.frames_sent;
  t.frames_acked += s.frames_acked;
  t.frames_rejected += s.frames_rejected;
  t.frames_replayed += s.frames_replayed;
  t.frames_lost += s.frames_lost;
}

std::string describe(const RecordingSnapshot& s) {
  std::string d = "a " + s.source + " recording";
  if (!s.input.empty()) d += " of '" + s.input + "'";
  if (s.started_at) d += " started at " + rfc3339(*s.started_at);
  return d;
}

}  // namespace

Recorder::Recorder(const AudioConfig& config, const WorkerLinkSlot& worker, EventBus& bus)
    : config_(config), worker_(worker), bus_(bus) {}

Recorder::~Recorder() { stop("shutdown"); }

RecordingOptions Recorder::options() {
  RecordingOptions o;
  o.id = new_recording_id();
  o.ring_frames = frames_for_seconds(config_.buffer_seconds);
  o.replay_frames = frames_for_seconds(config_.replay_seconds);
  o.flush_timeout = std::chrono::milliseconds(config_.flush_timeout_ms);
  o.on_final_latency = [h = final_latency_](double ms) { h->observe(ms / 1000.0); };
  return o;
}

std::shared_ptr<Recording> Recorder::start(std::unique_ptr<AudioSource> source, const std::string& input,
                                           std::string* busy) {
  std::lock_guard start_lock(start_mu_);
  if (draining_) {
    if (busy) *busy = "the daemon is shutting down: it takes no new recordings (try another instance)";
    return nullptr;
  }
  {
    std::lock_guard lock(mu_);
    if (last_ && !last_->finished()) {
      if (busy) *busy = describe(last_->snapshot()) + " is running; stop it first (POST /v1/recording/stop)";
      return nullptr;
    }
  }
  auto rec = std::make_shared<Recording>(std::move(source), input, options(), worker_, bus_);
  rec->start();  // throws SourceError: nothing changes
  std::lock_guard lock(mu_);
  if (last_) {
    const RecordingSnapshot past = last_->snapshot();
    add_counts(finished_, past);
    ++finished_.recordings;
    recent_.push_front({past, last_->started_event()});
    if (recent_.size() > kRecentRecordings) recent_.pop_back();
  }
  last_ = rec;
  return rec;
}

std::optional<RecordingSnapshot> Recorder::stop(const std::string& reason) {
  std::shared_ptr<Recording> rec;
  {
    std::lock_guard lock(mu_);
    rec = last_;
  }
  if (!rec || rec->finished()) return std::nullopt;
  rec->request_stop(reason);
  rec->wait();
  return rec->snapshot();
}

void Recorder::stop_async(const std::string& reason, std::function<void(std::optional<RecordingSnapshot>)> done) {
  std::shared_ptr<Recording> rec;
  {
    std::lock_guard lock(mu_);
    rec = last_;
  }
  if (!rec || rec->finished()) return done(std::nullopt);
  rec->request_stop(reason);
  // A raw pointer: the callback runs on the recording's own pump thread, while it is alive.
  Recording* r = rec.get();
  rec->on_finished([r, done = std::move(done)] { done(r->snapshot()); });
}

void Recorder::stop_async(const std::string& id, const std::string& reason,
                          std::function<void(std::optional<RecordingSnapshot>)> done) {
  std::shared_ptr<Recording> rec;
  {
    std::lock_guard lock(mu_);
    if (last_ && last_->id() == id) rec = last_;
  }
  if (!rec) return done(find(id));
  if (rec->finished()) return done(rec->snapshot());
  rec->request_stop(reason);
  Recording* r = rec.get();
  rec->on_finished([r, done = std::move(done)] { done(r->snapshot()); });
}

std::vector<RecordingSnapshot> Recorder::list() const {
  std::lock_guard lock(mu_);
  std::vector<RecordingSnapshot> all;
  if (last_) all.push_back(last_->snapshot());
  for (const Past& p : recent_) all.push_back(p.snapshot);
  return all;
}

std::optional<RecordingSnapshot> Recorder::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  if (last_ && last_->id() == id) return last_->snapshot();
  for (const Past& p : recent_) {
    if (p.snapshot.id == id) return p.snapshot;
  }
  return std::nullopt;
}

uint64_t Recorder::started_event(const std::string& id) const {
  std::lock_guard lock(mu_);
  if (last_ && last_->id() == id) return last_->started_event();
  for (const Past& p : recent_) {
    if (p.snapshot.id == id) return p.started_event;
  }
  return 0;
}

void Recorder::begin_drain() {
  std::lock_guard start_lock(start_mu_);  // a start under way finishes first, and is waited for
  draining_ = true;
}

std::shared_ptr<Recording> Recorder::current() const {
  std::lock_guard lock(mu_);
  return last_ && !last_->finished() ? last_ : nullptr;
}

RecordingSnapshot Recorder::snapshot() const {
  std::lock_guard lock(mu_);
  return last_ ? last_->snapshot() : RecordingSnapshot{};
}

RecorderTotals Recorder::totals() const {
  std::lock_guard lock(mu_);
  RecorderTotals t = finished_;
  if (last_) {
    const RecordingSnapshot s = last_->snapshot();
    add_counts(t, s);
    ++t.recordings;
    if (s.active()) {
      t.occupancy = s.occupancy;
      t.active = 1;
    }
  }
  t.final_latency = final_latency_->snapshot();
  return t;
}

}  // namespace vs
