#include "http/transcript_collector.h"

#include <variant>

#include "common/strings.h"

namespace vs {

std::shared_ptr<TranscriptCollector> TranscriptCollector::create(TranscriptStream transcript) {
  return std::shared_ptr<TranscriptCollector>(new TranscriptCollector(std::move(transcript)));
}

void TranscriptCollector::drain_locked() {
  while (std::optional<TranscriptEvent> e = transcript_.poll()) {
    auto* final_text = std::get_if<FinalText>(&*e);
    if (final_text && !blank(final_text->text)) result_.finals.push_back(std::move(*final_text));
  }
  result_.missed_events = transcript_.missed();
}

// Reads what arrived and asks the bus to call again on the next publish. The re-arm loops when
// something was published between the last poll and the request (wake_when_ready says false).
void TranscriptCollector::watch() {
  std::unique_lock lock(mu_);
  if (complete_) return;  // a wake already under way when finish() unsubscribed
  const size_t before = result_.finals.size();
  for (;;) {
    drain_locked();
    if (complete_) break;
    if (transcript_.ended() || transcript_.closed()) break;  // finish() completes it
    const bool armed = transcript_.wake_when_ready([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->watch();
    });
    if (armed) break;
  }
  if (result_.finals.size() != before) notify(lock);
}

void TranscriptCollector::finish(const RecordingSnapshot& recording) {
  std::unique_lock lock(mu_);
  if (complete_) return;
  drain_locked();
  complete_ = true;
  result_.recording = recording;
  transcript_ = TranscriptStream();  // unsubscribe now: nothing more belongs to this recording
  notify(lock);
}

// Hands completion and news to whoever waits, outside the lock (they may call back in).
void TranscriptCollector::notify(std::unique_lock<std::mutex>& lock) {
  std::function<void(const Result&)> done;
  std::function<void()> wake;
  if (complete_) std::swap(done, done_);
  if (wake_ && (complete_ || result_.finals.size() > wake_index_)) std::swap(wake, wake_);
  const Result copy = done ? result_ : Result{};
  lock.unlock();
  if (done) done(copy);
  if (wake) wake();
}

void TranscriptCollector::on_done(std::function<void(const Result&)> done) {
  std::unique_lock lock(mu_);
  if (!complete_) {
    done_ = std::move(done);
    return;
  }
  const Result copy = result_;
  lock.unlock();
  done(copy);
}

bool TranscriptCollector::read(size_t index, std::vector<FinalText>& out) const {
  std::lock_guard lock(mu_);
  for (size_t i = index; i < result_.finals.size(); ++i) out.push_back(result_.finals[i]);
  return complete_;
}

TranscriptCollector::Result TranscriptCollector::result() const {
  std::lock_guard lock(mu_);
  return result_;
}

bool TranscriptCollector::wake_when(size_t index, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  if (complete_ || result_.finals.size() > index) return false;
  wake_ = std::move(wake);
  wake_index_ = index;
  return true;
}

}  // namespace vs
