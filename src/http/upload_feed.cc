#include "http/upload_feed.h"

#include <boost/asio/post.hpp>

namespace vs {

UploadFeed::UploadFeed(std::unique_ptr<UploadReceiver> receiver, std::weak_ptr<Source> source,
                       boost::asio::any_io_executor executor, const std::atomic<bool>& stopping)
    : receiver_(std::move(receiver)), source_(std::move(source)), executor_(executor), stopping_(stopping) {}

UploadStep UploadFeed::take(std::string_view bytes) { return receiver_->on_chunk(bytes); }

void UploadFeed::await_receiver(std::function<void(bool cancelled)> then) {
  waiting_ = std::move(then);
  const uint64_t number = ++wait_number_;
  // The source by shared_ptr keeps it, and so this feed, alive until the wake comes (the
  // receiver's wake runs on another thread: the pump's).
  receiver_->when_ready([this, source = source_.lock(), ex = executor_, number] {
    boost::asio::post(ex, [this, source, number] {
      if (number != wait_number_ || !waiting_) return;  // cancelled meanwhile
      auto then = std::move(waiting_);
      waiting_ = nullptr;
      then(false);
    });
  });
}

// The receiver cannot take more yet: the socket stays unread (the client's writes back up) and
// no read is pending, so no read deadline runs out meanwhile.
void UploadFeed::pause() {
  await_receiver([this](bool cancelled) {
    auto source = source_.lock();
    if (!source || !source->live()) return;
    if (cancelled || stopping_) return end(false);
    switch (receiver_->resume()) {
      case UploadStep::Continue: return source->read_more();
      case UploadStep::Pause: return pause();
      case UploadStep::Stop: return end(false);
    }
  });
}

void UploadFeed::end(bool complete) {
  auto source = source_.lock();
  source->body_ended(complete);
  switch (receiver_->end_of_body(complete)) {
    case UploadStep::Continue: return conclude(complete);
    case UploadStep::Stop: return conclude(false);
    case UploadStep::Pause: break;
  }
  // What the receiver held back goes on as the ring makes room.
  await_receiver([this, complete](bool cancelled) {
    auto source = source_.lock();
    if (!source || !source->live()) return;
    if (cancelled || stopping_) return conclude(false);
    end(complete);
  });
}

void UploadFeed::conclude(bool complete) {
  auto source = source_.lock();
  Respond done = source->responder();
  awaiting_answer_ = true;
  try {
    receiver_->finish(complete, done);
  } catch (const std::exception& e) {
    done(error_reply(500, std::string("internal error: ") + e.what()));
  }
  if (awaiting_answer_) source->await_answer();
}

void UploadFeed::answered() {
  awaiting_answer_ = false;
  if (receiver_) boost::asio::post(executor_, [done_with = std::move(receiver_)] {});
}

void UploadFeed::abandon() {
  if (receiver_ && awaiting_answer_) receiver_->abandon();
}

void UploadFeed::cancel() {
  if (!waiting_) return;
  ++wait_number_;
  boost::asio::post(executor_, [then = std::move(waiting_), source = source_.lock()] { then(true); });
  waiting_ = nullptr;
}

}  // namespace vs
