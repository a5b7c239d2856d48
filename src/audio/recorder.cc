#include "audio/recorder.h"

#include "audio/recording_id.h"

#include <algorithm>

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

}  // namespace

Recorder::Recorder(const AudioConfig& config, const WorkerLinkSlot& worker, EventBus& bus, WorkerCheck why_no_audio,
                   ServeCheck why_not_served)
    : config_(config),
      worker_(worker),
      bus_(bus),
      why_no_audio_(std::move(why_no_audio)),
      why_not_served_(std::move(why_not_served)),
      admission_(size_t(std::max(config.max_recordings, 1)),
                 [h = admission_wait_](std::chrono::nanoseconds waited) {
                   h->observe(std::chrono::duration<double>(waited).count());
                 }),
      admission_clock_([this] { run_admission_clock(); }) {}

Recorder::~Recorder() {
  {
    std::lock_guard lock(clock_mu_);
    clock_stop_ = true;
  }
  clock_cv_.notify_all();
  admission_clock_.join();
  stop("shutdown");
}

// A door's deadline is seconds long: 100 ms late is nothing, and one wake-up a tenth of a second
// is all this costs.
void Recorder::run_admission_clock() {
  std::unique_lock lock(clock_mu_);
  while (!clock_cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return clock_stop_; })) {
    lock.unlock();
    admission_.expire(std::chrono::steady_clock::now());
    lock.lock();
  }
}

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
                                           std::string* busy, std::shared_ptr<AdmissionQueue::Ticket> ticket,
                                           DecodeRequest decode) {
  std::unique_lock start_lock(start_mu_);
  if (draining_) {
    if (busy) *busy = "the daemon is shutting down: it takes no new recordings (try another instance)";
    return nullptr;
  }
  if (!ticket) ticket = admission_.try_join();
  if (!ticket || !ticket->admitted()) {
    if (busy) {
      const size_t n = admission_.capacity();
      *busy = "all " + std::to_string(n) + " recording slot" + (n == 1 ? " is" : "s are") + " in use (audio.max_recordings = " +
              std::to_string(n) + ")";
      if (admission_.waiting() > 0) *busy += ", " + std::to_string(admission_.waiting()) + " waiting";
      *busy += "; try again shortly";
    }
    return nullptr;
  }
  if (const auto link = worker_.load(); link && !link->state->carries_streams() && running_count() > 0) {
    if (busy) *busy = "the worker speaks protocol 1, which carries one recording at a time; try again shortly";
    return nullptr;  // the ticket gives its slot back
  }
  RecordingOptions opts = options();
  opts.decode = std::move(decode);
  auto rec = std::make_shared<Recording>(std::move(source), input, std::move(opts), worker_, bus_);
  // Registered before start(), so it runs first among the recording's on_finished callbacks: a
  // door told the recording ended finds its slot free. It holds the recording, so the doors'
  // callbacks after it (which use it) find it alive: the recent list keeps only a snapshot, and
  // the recording goes when its pump has run them all.
  rec->on_finished([this, rec, slot = std::move(ticket)]() mutable {
    retire(rec);
    slot.reset();
  });
  {
    std::lock_guard lock(mu_);
    running_.push_back(rec);
  }
  // Running now, as far as a drain is concerned. The source starts outside start_mu_: if it
  // fails, the pump gives the slot back on its thread, and the next waiter admitted there may
  // start its own recording at once.
  start_lock.unlock();
  try {
    rec->start();
  } catch (...) {
    std::lock_guard lock(mu_);
    std::erase(running_, rec);
    throw;  // the pump has finished (listed as stopped, source_error) and given the slot back
  }
  std::lock_guard lock(mu_);
  latest_ = rec;
  return rec;
}

void Recorder::retire(const std::shared_ptr<Recording>& rec) {
  const RecordingSnapshot past = rec->snapshot();
  std::lock_guard lock(mu_);
  if (std::erase(running_, rec) == 0) return;  // never started
  add_counts(finished_, past);
  ++finished_.recordings;
  recent_.push_front({past, rec->started_event()});
  if (recent_.size() > kRecentRecordings) recent_.pop_back();
}

std::optional<RecordingSnapshot> Recorder::stop(const std::string& reason) {
  std::vector<std::shared_ptr<Recording>> all;
  std::shared_ptr<Recording> latest;
  {
    std::lock_guard lock(mu_);
    all = running_;
    latest = latest_;
  }
  if (all.empty()) return std::nullopt;
  for (const auto& rec : all) rec->request_stop(reason);
  for (const auto& rec : all) rec->wait();
  return latest ? std::optional(latest->snapshot()) : std::nullopt;
}

void Recorder::stop_then(const std::shared_ptr<Recording>& rec, const std::string& reason,
                         std::function<void(std::optional<RecordingSnapshot>)> done) {
  if (rec->finished()) return done(rec->snapshot());
  rec->request_stop(reason);
  // A raw pointer: the callback runs on the recording's own pump thread, while it is alive.
  Recording* r = rec.get();
  rec->on_finished([r, done = std::move(done)] { done(r->snapshot()); });
}

void Recorder::stop_async(const std::string& reason, std::function<void(std::optional<RecordingSnapshot>)> done) {
  auto rec = current();
  if (!rec) return done(std::nullopt);
  stop_then(rec, reason, std::move(done));
}

void Recorder::stop_async(const std::string& id, const std::string& reason,
                          std::function<void(std::optional<RecordingSnapshot>)> done) {
  auto rec = running(id);
  if (!rec) return done(find(id));
  stop_then(rec, reason, std::move(done));
}

std::shared_ptr<Recording> Recorder::running(const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const auto& r : running_) {
    if (r->id() == id) return r;
  }
  return nullptr;
}

std::vector<RecordingSnapshot> Recorder::list() const {
  std::lock_guard lock(mu_);
  std::vector<RecordingSnapshot> all;
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) all.push_back((*it)->snapshot());
  for (const Past& p : recent_) all.push_back(p.snapshot);
  return all;
}

std::optional<Recorder::Past> Recorder::lookup(const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const auto& r : running_) {
    if (r->id() == id) return Past{r->snapshot(), r->started_event()};
  }
  for (const Past& p : recent_) {
    if (p.snapshot.id == id) return p;
  }
  return std::nullopt;
}

std::optional<RecordingSnapshot> Recorder::find(const std::string& id) const {
  std::optional<Past> found = lookup(id);
  return found ? std::optional(std::move(found->snapshot)) : std::nullopt;
}

uint64_t Recorder::started_event(const std::string& id) const {
  const std::optional<Past> found = lookup(id);
  return found ? found->started_event : 0;
}

void Recorder::begin_drain() {
  std::lock_guard start_lock(start_mu_);  // a start under way finishes first, and is waited for
  draining_ = true;
}

std::shared_ptr<Recording> Recorder::current() const {
  std::lock_guard lock(mu_);
  return running_.empty() ? nullptr : running_.back();
}

size_t Recorder::running_count() const {
  std::lock_guard lock(mu_);
  return running_.size();
}

RecordingSnapshot Recorder::snapshot() const {
  std::lock_guard lock(mu_);
  return latest_ ? latest_->snapshot() : RecordingSnapshot{};
}

RecorderTotals Recorder::totals() const {
  std::lock_guard lock(mu_);
  RecorderTotals t = finished_;
  for (const auto& rec : running_) {
    const RecordingSnapshot s = rec->snapshot();
    add_counts(t, s);
    ++t.recordings;
    if (s.active()) {
      t.occupancy = std::max(t.occupancy, s.occupancy);
      ++t.active;
    }
  }
  t.capacity = admission_.capacity();
  t.waiting = admission_.waiting();
  t.final_latency = final_latency_->snapshot();
  t.admission_wait = admission_wait_->snapshot();
  return t;
}

}  // namespace vs
