// AdmissionWait is a place in the admission queue for a door that has no executor of its own
// to be called back on (the OpenAI upload): exactly one of `admitted` (given the ticket that
// holds the slot) or `timed_out` runs, once, on whichever thread decides it — at once inside
// begin() when a slot is free. cancel() (the client left) makes neither run and leaves the queue.
//
//   auto wait = AdmissionWait::begin(recorder.admission(), now + 30s,
//       [](auto ticket) { recorder.start(source, input, &busy, std::move(ticket)); },
//       [] { answer 503; });
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "audio/admission_queue.h"

namespace vs {

class AdmissionWait {
 public:
  using Admitted = std::function<void(std::unique_ptr<AdmissionQueue::Ticket>)>;

  static std::shared_ptr<AdmissionWait> begin(AdmissionQueue& queue, std::chrono::steady_clock::time_point deadline,
                                              Admitted admitted, std::function<void()> timed_out);
  void cancel();

 private:
  void on_admitted();
  void on_timeout();
  std::function<void()> decide(bool admitted);  // what to run, once; empty after the first

  std::mutex mu_;
  std::unique_ptr<AdmissionQueue::Ticket> ticket_;
  bool admitted_ = false;  // the queue said so, maybe before the ticket was handed to us
  bool decided_ = false;
  Admitted admitted_cb_;
  std::function<void()> timed_out_cb_;
};

}  // namespace vs
