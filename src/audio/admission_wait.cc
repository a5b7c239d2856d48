#include "audio/admission_wait.h"

#include <utility>

namespace vs {

std::shared_ptr<AdmissionWait> AdmissionWait::begin(AdmissionQueue& queue,
                                                    std::chrono::steady_clock::time_point deadline,
                                                    Admitted admitted, std::function<void()> timed_out) {
  auto wait = std::make_shared<AdmissionWait>();
  wait->admitted_cb_ = std::move(admitted);
  wait->timed_out_cb_ = std::move(timed_out);
  auto ticket = queue.join([wait] { wait->on_admitted(); }, deadline, [wait] { wait->on_timeout(); });
  std::function<void()> run;
  {
    std::lock_guard lock(wait->mu_);
    wait->ticket_ = std::move(ticket);
    if (wait->admitted_) run = wait->decide(true);  // admitted at once, inside join()
  }
  if (run) run();
  return wait;
}

// Under mu_: the callback to run outside it (the ticket goes with an admission). Both callbacks
// leave this object now — they may hold its owner, which holds it — and the one not run is
// destroyed with the returned function, outside the lock.
std::function<void()> AdmissionWait::decide(bool admitted) {
  if (decided_) return {};
  decided_ = true;
  if (!admitted) {
    return [run = std::move(timed_out_cb_), drop = std::move(admitted_cb_)] { run(); };
  }
  auto ticket = std::make_shared<std::unique_ptr<AdmissionQueue::Ticket>>(std::move(ticket_));
  return [run = std::move(admitted_cb_), drop = std::move(timed_out_cb_), ticket] { run(std::move(*ticket)); };
}

void AdmissionWait::on_admitted() {
  std::function<void()> run;
  {
    std::lock_guard lock(mu_);
    admitted_ = true;
    if (ticket_) run = decide(true);  // else begin() has not stored it yet: it runs it
  }
  if (run) run();
}

void AdmissionWait::on_timeout() {
  std::function<void()> run;
  {
    std::lock_guard lock(mu_);
    run = decide(false);
  }
  if (run) run();
}

void AdmissionWait::cancel() {
  std::unique_ptr<AdmissionQueue::Ticket> leave;
  Admitted admitted;
  std::function<void()> timed_out;
  {
    std::lock_guard lock(mu_);
    decided_ = true;
    leave = std::move(ticket_);
    admitted = std::move(admitted_cb_);  // they may hold their owner, which may hold us
    timed_out = std::move(timed_out_cb_);
  }
  // Destroyed outside our lock: giving up a slot admits the next waiter, which may be anyone.
}

}  // namespace vs
