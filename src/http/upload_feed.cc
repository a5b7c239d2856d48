#include "http/upload_feed.h"

#include <chrono>

#include <boost/asio/post.hpp>

namespace vs {

namespace {

constexpr auto kUploadRetry = std::chrono::milliseconds(2);  // a paused receiver is asked again after this

}  // namespace

UploadFeed::UploadFeed(std::unique_ptr<UploadReceiver> receiver, std::weak_ptr<Source> source,
                       boost::asio::any_io_executor executor, const std::atomic<bool>& stopping)
    : receiver_(std::move(receiver)), source_(std::move(source)), executor_(executor), stopping_(stopping),
      retry_(executor) {}

UploadStep UploadFeed::take(std::string_view bytes) { return receiver_->on_chunk(bytes); }

// The receiver cannot take more yet: the socket stays unread (the client's writes back up) and
// no read is pending, so no read deadline runs out meanwhile.
void UploadFeed::pause() {
  retry_.expires_after(kUploadRetry);
  // The source by shared_ptr keeps it, and so this feed, alive until the wait ends.
  retry_.async_wait([this, source = source_.lock()](boost::system::error_code ec) {
    if (!source->live()) return;
    if (ec || stopping_) return end(false);
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
  // What the receiver held back goes on as the ring makes room: ask again shortly.
  retry_.expires_after(kUploadRetry);
  retry_.async_wait([this, source, complete](boost::system::error_code ec) {
    if (!source->live()) return;
    if (ec || stopping_) return conclude(false);
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

void UploadFeed::cancel() { retry_.cancel(); }

}  // namespace vs
