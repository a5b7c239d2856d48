#include "worker_pipe/sink_queue.h"

#include <stdexcept>
#include <utility>

namespace vs {

SinkQueue::SinkQueue(size_t frame_capacity, size_t max_frame_samples, size_t control_capacity)
    : max_frame_samples_(max_frame_samples),
      control_capacity_(control_capacity),
      slots_(frame_capacity == 0 ? 1 : frame_capacity) {}

SendResult SinkQueue::push_frame(std::string_view stream, std::span<const int16_t> pcm,
                                 std::optional<Deadline> deadline, uint64_t* seq_out) {
  if (pcm.size() > max_frame_samples_) {
    throw std::invalid_argument("audio frame longer than the protocol's line limit allows");
  }
  bool wake_writer = false;
  {
    std::unique_lock lock(mu_);
    while (!closed_ && count_ == slots_.size()) {
      if (!deadline) return SendResult::Full;
      ++senders_waiting_;
      const auto status = not_full_.wait_until(lock, *deadline);
      --senders_waiting_;
      if (status == std::cv_status::timeout && !closed_ && count_ == slots_.size()) {
        return SendResult::Full;
      }
    }
    if (closed_) return SendResult::Closed;
    Slot& slot = slots_[(head_ + count_) % slots_.size()];
    slot.pcm.assign(pcm.begin(), pcm.end());
    slot.stream.assign(stream);  // the slot keeps its buffer: no allocation once warm
    auto it = next_seq_.find(stream);
    if (it == next_seq_.end()) it = next_seq_.emplace(std::string(stream), 0).first;
    slot.seq = it->second++;
    ++count_;
    if (seq_out) *seq_out = slot.seq;
    wake_writer = writer_waiting_;
  }
  if (wake_writer) not_empty_.notify_one();
  return SendResult::Ok;
}

SendResult SinkQueue::push_control(std::string line) {
  bool wake_writer = false;
  {
    std::lock_guard lock(mu_);
    if (closed_) return SendResult::Closed;
    if (control_.size() >= control_capacity_) return SendResult::Full;
    control_.push_back(std::move(line));
    wake_writer = writer_waiting_;
  }
  if (wake_writer) not_empty_.notify_one();
  return SendResult::Ok;
}

SendResult SinkQueue::push_stream_end(std::string_view stream, std::string line) {
  bool wake_writer = false;
  {
    std::lock_guard lock(mu_);
    if (closed_) return SendResult::Closed;
    if (control_.size() >= control_capacity_) return SendResult::Full;
    // Control lines overtake queued frames, and the end must follow the stream's last frame.
    for (size_t i = 0; i < count_; ++i) {
      if (slots_[(head_ + i) % slots_.size()].stream == stream) return SendResult::Full;
    }
    control_.push_back(std::move(line));
    // A named stream ends with its flush; the default one goes on counting (protocol 1).
    if (const auto it = next_seq_.find(stream); it != next_seq_.end() && !stream.empty()) next_seq_.erase(it);
    wake_writer = writer_waiting_;
  }
  if (wake_writer) not_empty_.notify_one();
  return SendResult::Ok;
}

void SinkQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
}

void SinkQueue::fail() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    failed_ = true;
    control_.clear();
    count_ = 0;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
}

size_t SinkQueue::depth() const {
  std::lock_guard lock(mu_);
  return count_;
}

uint64_t SinkQueue::next_seq(std::string_view stream) const {
  std::lock_guard lock(mu_);
  const auto it = next_seq_.find(stream);
  return it == next_seq_.end() ? 0 : it->second;
}

bool SinkQueue::pop_locked(Item& out) {
  if (failed_) return false;
  if (!control_.empty()) {
    out.is_frame = false;
    out.line = std::move(control_.front());
    control_.pop_front();
    return true;
  }
  if (count_ == 0) return false;
  Slot& slot = slots_[head_];
  out.is_frame = true;
  out.stream.swap(slot.stream);
  out.seq = slot.seq;
  std::swap(out.pcm, slot.pcm);
  head_ = (head_ + 1) % slots_.size();
  --count_;
  return true;
}

bool SinkQueue::pop_wait(Item& out) {
  bool wake_senders = false;
  {
    std::unique_lock lock(mu_);
    for (;;) {
      if (pop_locked(out)) break;
      if (closed_) return false;
      writer_waiting_ = true;
      not_empty_.wait(lock);
      writer_waiting_ = false;
    }
    wake_senders = out.is_frame && senders_waiting_ > 0;
  }
  if (wake_senders) not_full_.notify_all();
  return true;
}

bool SinkQueue::try_pop(Item& out) {
  bool wake_senders = false;
  {
    std::lock_guard lock(mu_);
    if (!pop_locked(out)) return false;
    wake_senders = out.is_frame && senders_waiting_ > 0;
  }
  if (wake_senders) not_full_.notify_all();
  return true;
}

}  // namespace vs
