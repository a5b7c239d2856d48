// UploadFeed drives one upload route's UploadReceiver for the connection its body arrives on:
// an HTTP request body (Session) or the binary messages of an audio WebSocket
// (WebSocketSession). Both speak the same protocol to the receiver: chunks until it says Pause
// (then no reading until the receiver's when_ready() wakes the feed, and resume() is asked
// again), the end of the body (end_of_body() asked again, on the same wake, until what it held
// back has gone on), finish() with a
// Respond, and abandon() when the client leaves before the answer. The feed holds that protocol
// once; the connection reads its bytes its own way and says what to do next through Source.
//
//   upload_.emplace(std::move(receiver), weak_from_this(), executor, core_.stopping);
//   switch (upload_->take(bytes)) { Continue: read on; Pause: upload_->pause(); Stop: upload_->end(false); }
//   ... on the body's end: upload_->end(true);   the answer comes through Source::responder()
//
// On the connection's I/O thread only. Internal to src/http: includes Asio.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <functional>

#include "http/router.h"

namespace vs {

class UploadFeed {
 public:
  // The connection the body arrives on.
  class Source {
   public:
    virtual ~Source() = default;
    virtual bool live() const = 0;                  // false once closed: the feed stops at once
    virtual void read_more() = 0;                   // the receiver takes more: read the next bytes
    virtual void body_ended(bool complete) = 0;     // no more reading for this body
    virtual Respond responder() = 0;                // how the receiver's answer gets back
    virtual void await_answer() = 0;                // finish() is answering later
  };

  UploadFeed(std::unique_ptr<UploadReceiver> receiver, std::weak_ptr<Source> source,
             boost::asio::any_io_executor executor, const std::atomic<bool>& stopping);

  // Hands the receiver the next bytes; the caller acts on its step.
  UploadStep take(std::string_view bytes);
  // The receiver said Pause: asks it again once it says it may get further, and then reads on,
  // pauses again or ends.
  void pause();
  // The body has ended (complete) or reading stopped early: drains the receiver and finishes it.
  void end(bool complete);
  // The answer is here: the receiver is let go of (after this turn: this may run inside finish()).
  void answered();
  bool awaiting_answer() const { return awaiting_answer_; }
  // The client went away before the answer: the receiver stops its work.
  void abandon();
  // The connection closes or is evicted: a pending wait ends (as a Stop, unless closed).
  void cancel();

 private:
  void conclude(bool complete);
  // Runs `then` on the connection's executor once the receiver says it may get further (or the
  // connection was cancelled): never a timer polling it.
  void await_receiver(std::function<void(bool cancelled)> then);

  std::unique_ptr<UploadReceiver> receiver_;
  std::weak_ptr<Source> source_;
  const boost::asio::any_io_executor executor_;
  const std::atomic<bool>& stopping_;
  // The one wait for the receiver (empty when none); a wake that comes after cancel() finds its
  // number stale and does nothing.
  std::function<void(bool cancelled)> waiting_;
  uint64_t wait_number_ = 0;
  bool awaiting_answer_ = false;  // the receiver has finished the body; its answer is to come
};

}  // namespace vs
