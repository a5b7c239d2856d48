#include "supervision/supervisor.h"

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <future>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "config/load_config.h"
#include "supervision/actor_mailbox.h"
#include "supervision/backoff.h"
#include "supervision/lifecycle_requests.h"
#include "supervision/liveness.h"
#include "supervision/worker_instance.h"

namespace vs {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

SteadyTime steady_now() { return std::chrono::steady_clock::now(); }
WallTime wall_now() { return std::chrono::system_clock::now(); }

Outcome failed(std::string message) { return {Outcome::Code::Failed, std::move(message), std::nullopt}; }

std::chrono::seconds ceil_seconds(milliseconds ms) {
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(ms));
}

}  // namespace

// Everything below "actor-only" is touched by the actor thread alone; the rest is shared and
// guarded by `mu` (or is itself thread-safe).
struct Supervisor::Impl {
  Impl(const Config& c, HeavyLoadGate& g, EventBus& b)
      : config(c),
        gate(g),
        bus(b),
        mailbox(std::make_shared<ActorMailbox>()),
        requests([mb = mailbox] { mb->wake(); }),
        wanted(c.worker.auto_start),
        backoff(c.backoff),
        liveness(milliseconds(c.worker.ping_interval_ms), milliseconds(c.worker.ping_timeout_ms),
                 c.worker.ping_failure_limit) {}

  const Config config;
  HeavyLoadGate& gate;
  EventBus& bus;
  std::shared_ptr<ActorMailbox> mailbox;
  LifecycleRequests requests;

  mutable std::mutex mu;
  WorkerSnapshot published;
  SupervisorCounters counters;
  IpcStats ipc_history;                 // summed stats of finished instances
  std::shared_ptr<Sidecar> live;        // the current instance's Sidecar (stats)
  WorkerLinkSlot link_slot;             // the ready instance's link, for the audio path

  std::mutex lifecycle_mu;              // begin()/shutdown()
  bool begun = false, ended = false;
  std::thread actor;

  // ---- actor-only ----
  WorkerSnapshot w;
  std::unique_ptr<WorkerInstance> instance;
  uint64_t generation = 0;
  bool wanted;                      // the daemon wants a worker (auto_start or a user's start)
  Backoff backoff;
  Liveness liveness;
  bool stopped_by_pressure = false;
  bool deferred_restart = false;    // a crash restart is waiting for the gate to open
  bool recovering = false;          // the current instance is an automatic crash restart
  bool waiter = false;              // the request in flight waits for the current start
  std::optional<SteadyTime> start_deadline, backoff_timer;

  // ---- public side ----
  Outcome call(RequestKind kind, const std::string& reason, milliseconds timeout);

  // ---- actor ----
  void run();
  bool handle_events();  // false on shutdown
  void handle_timers();
  void pump_requests();
  void execute(const LifecycleRequests::Taken& r);
  void launch(const std::string& reason);
  bool do_stop(const std::string& reason, bool flush = true);
  void on_ready(const WorkerMessage& ready);
  void on_crash(CrashCause cause, std::optional<ExitStatus> status, const std::string& message);
  void on_gate(bool open, bool memory_pressure, const std::string& reason);
  void maybe_resume();
  void restart_after_crash();
  WorkerState next_state_after_crash(CrashCause cause);
  void teardown_instance();
  void finish_waiter(const Outcome& o);
  void set_state(WorkerState s, const std::string& reason);
  void commit();
  std::optional<Outcome> refuse_if_gate_closed();
  template <class F>
  void count(F f) {
    std::lock_guard lock(mu);
    f(counters);
  }
};

// ------------------------------------------------------------------------------------------
// Public side

Outcome Supervisor::Impl::call(RequestKind kind, const std::string& reason, milliseconds timeout) {
  {
    std::lock_guard lock(lifecycle_mu);
    if (!begun || ended) return failed("supervisor is not running");
  }
  auto ticket = requests.submit_ticket(kind, reason);
  if (ticket.future.wait_for(timeout) == std::future_status::timeout) {
    const Outcome timed_out{Outcome::Code::TimedOut,
                            std::string("worker ") + to_string(kind) + " did not finish within " +
                                std::to_string(timeout.count()) + " ms",
                            std::nullopt};
    requests.abandon(ticket, timed_out);
    return timed_out;
  }
  return ticket.future.get();
}

Supervisor::Supervisor(const Config& config, HeavyLoadGate& gate, EventBus& bus)
    : impl_(std::make_unique<Impl>(config, gate, bus)) {
  gate.on_change([mb = impl_->mailbox](const GateSnapshot& s) {
    ActorEvent ev{ActorEvent::Kind::GateChanged, 0, {}, s.decision.open, s.decision.memory_pressure,
                  s.decision.reason};
    mb->post(std::move(ev));
  });
}

Supervisor::~Supervisor() { shutdown(); }

void Supervisor::begin() {
  std::lock_guard lock(impl_->lifecycle_mu);
  if (impl_->begun || impl_->ended) return;
  impl_->begun = true;
  impl_->actor = std::thread([im = impl_.get()] { im->run(); });
  impl_->mailbox->post({ActorEvent::Kind::Begin, 0, {}, false, false, ""});
}

Outcome Supervisor::start(const std::string& reason) {
  impl_->count([](auto& c) { ++c.start_requests_total; });
  const auto& c = impl_->config;
  return impl_->call(RequestKind::Start, reason, milliseconds(c.control_timeout_ms + c.worker.start_timeout_ms));
}

Outcome Supervisor::stop(const std::string& reason) {
  impl_->count([](auto& c) { ++c.stop_requests_total; });
  const auto& c = impl_->config;
  // The whole stop sequence, plus the reap after SIGKILL, plus the usual control margin.
  return impl_->call(RequestKind::Stop, reason,
                     milliseconds(c.control_timeout_ms + c.worker.stop_timeout_ms + c.worker.kill_timeout_ms + 1000));
}

Outcome Supervisor::restart(const std::string& reason) {
  impl_->count([](auto& c) { ++c.restart_requests_total; });
  const auto& c = impl_->config;
  return impl_->call(RequestKind::Restart, reason,
                     milliseconds(c.control_timeout_ms + c.worker.stop_timeout_ms + c.worker.kill_timeout_ms +
                                  1000 + c.worker.start_timeout_ms));
}

void Supervisor::shutdown() {
  std::thread actor;
  {
    std::lock_guard lock(impl_->lifecycle_mu);
    if (impl_->ended) return;
    impl_->ended = true;
    actor = std::move(impl_->actor);
  }
  if (actor.joinable()) {
    impl_->mailbox->post({ActorEvent::Kind::Shutdown, 0, {}, false, false, ""});
    actor.join();
  }
  impl_->requests.close(failed("supervisor is shutting down"));
  impl_->mailbox->close();
}

WorkerSnapshot Supervisor::snapshot() const {
  std::lock_guard lock(impl_->mu);
  return impl_->published;
}

SupervisorCounters Supervisor::counters() const {
  std::lock_guard lock(impl_->mu);
  return impl_->counters;
}

IpcStats Supervisor::ipc_stats() const {
  std::lock_guard lock(impl_->mu);
  IpcStats s = impl_->ipc_history;
  if (impl_->live) {
    const IpcStats current = impl_->live->stats();
    s += current;
    s.sink_queue_depth = current.sink_queue_depth;
  }
  return s;
}

const WorkerLinkSlot& Supervisor::worker_link() const { return impl_->link_slot; }

// ------------------------------------------------------------------------------------------
// The actor

void Supervisor::Impl::run() {
  for (;;) {
    const SteadyTime now = steady_now();
    SteadyTime next = now + 1s;
    if (start_deadline) next = std::min(next, *start_deadline);
    if (backoff_timer) next = std::min(next, *backoff_timer);
    if (w.state == WorkerState::Running) next = std::min(next, liveness.next_deadline());
    const auto wait = std::chrono::ceil<milliseconds>(next - now);
    pollfd fds[2] = {{mailbox->fd(), POLLIN, 0}, {instance ? instance->pidfd() : -1, POLLIN, 0}};
    ::poll(fds, instance ? 2 : 1, static_cast<int>(std::clamp<int64_t>(wait.count(), 0, INT_MAX)));

    if (!handle_events()) break;
    if (instance && instance->has_exited()) {
      auto status = instance->kill_and_reap();
      const bool before_ready = w.state == WorkerState::Starting;
      const std::string what = status ? status->describe() : "unknown status";
      on_crash(status && status->signaled ? CrashCause::Signal : CrashCause::Exit, status,
               before_ready ? "worker exited before it was ready: " + what : "worker exited unexpectedly: " + what);
    }
    handle_timers();
    pump_requests();
  }

  // Shutdown: the same graceful sequence as a stop request — never a SIGKILL first, never
  // counted as a crash (reference defects 1).
  requests.close(failed("supervisor is shutting down"));
  finish_waiter(failed("supervisor is shutting down"));
  requests.complete(failed("supervisor is shutting down"));
  do_stop("shutdown");
}

bool Supervisor::Impl::handle_events() {
  for (auto& ev : mailbox->drain()) {
    switch (ev.kind) {
      case ActorEvent::Kind::Shutdown:
        return false;
      case ActorEvent::Kind::Begin:
        maybe_resume();
        break;
      case ActorEvent::Kind::GateChanged:
        on_gate(ev.gate_open, ev.memory_pressure, ev.reason);
        break;
      case ActorEvent::Kind::WorkerLine:
        if (!instance || ev.generation != generation) break;  // a late line of an old instance
        if (ev.message.type == WorkerMessageType::Ready) {
          on_ready(ev.message);
        } else if (ev.message.type == WorkerMessageType::Pong && w.state == WorkerState::Running) {
          if (liveness.on_pong(ev.message.string_field("id"), steady_now())) {
            w.health_failures = 0;
            w.last_health_check_at = wall_now();
            commit();
          }
        }
        break;
    }
  }
  return true;
}

void Supervisor::Impl::handle_timers() {
  const SteadyTime now = steady_now();
  if (w.state == WorkerState::Starting && start_deadline && now >= *start_deadline) {
    on_crash(CrashCause::StartTimeout, std::nullopt,
             "worker did not become ready within " + std::to_string(config.worker.start_timeout_ms) + " ms");
  }
  if (w.state == WorkerState::Backoff && backoff_timer && now >= *backoff_timer) {
    backoff_timer.reset();
    w.backoff_until.reset();
    // With the gate closed the restart waits for it to reopen (stopped, still wanted) instead
    // of spawning into pressure; maybe_resume() picks it up on the reopen transition.
    const GateSnapshot g = gate.snapshot();
    if (!g.decision.open) {
      deferred_restart = true;
      wanted = true;
      set_state(WorkerState::Stopped, "crash restart deferred: pressure gate closed: " + g.decision.reason);
    } else {
      restart_after_crash();
    }
  }
  if (w.state == WorkerState::Running && instance) {
    backoff.on_running(now);
    const auto verdict = liveness.check(now);
    if (static_cast<uint64_t>(liveness.failures()) != w.health_failures) {
      w.health_failures = static_cast<uint64_t>(liveness.failures());
      commit();
    }
    if (verdict == Liveness::Verdict::Hung) {
      on_crash(CrashCause::PingTimeout, std::nullopt,
               "worker did not answer " + std::to_string(config.worker.ping_failure_limit) + " pings within " +
                   std::to_string(config.worker.ping_timeout_ms) + " ms each");
      return;
    }
    if (auto id = liveness.due_ping(now)) instance->sidecar()->sink().send_ping(*id);
  }
}

void Supervisor::Impl::pump_requests() {
  for (;;) {
    if (requests.in_flight()) {
      // Only a start waiting for its ready line stays in flight across turns. A stop behind
      // it does not wait up to start_timeout: it ends that start (which then fails).
      if (waiter && requests.next_queued() == RequestKind::Stop) {
        finish_waiter(failed("worker start interrupted by a stop request"));
        continue;
      }
      return;
    }
    auto r = requests.take();
    if (!r) return;
    execute(*r);
  }
}

std::optional<Outcome> Supervisor::Impl::refuse_if_gate_closed() {
  const GateSnapshot g = gate.snapshot();
  if (g.decision.open) return std::nullopt;
  const auto retry = ceil_seconds(milliseconds(int64_t{config.pressure.monitor_interval_ms} *
                                               std::max(1, config.pressure.reopen_after_samples)));
  return Outcome{Outcome::Code::GateClosed, "worker start blocked by pressure gate: " + g.decision.reason, retry};
}

void Supervisor::Impl::execute(const LifecycleRequests::Taken& r) {
  spdlog::info("worker {} requested ({}), state {}", to_string(r.kind), r.reason, to_string(w.state));
  if (r.kind == RequestKind::Stop) {
    const bool reaped = do_stop(r.reason);
    wanted = false;
    stopped_by_pressure = false;
    deferred_restart = false;
    backoff.reset();
    requests.complete(reaped ? Outcome{} : Outcome{Outcome::Code::TimedOut, "worker could not be stopped", std::nullopt});
    return;
  }
  if (r.kind == RequestKind::Start) {
    if (w.state == WorkerState::Running) return requests.complete({});
    if (w.state == WorkerState::Starting) {
      waiter = true;  // an automatic start is under way: share its result
      return;
    }
  }
  if (auto refused = refuse_if_gate_closed()) return requests.complete(*refused);
  if (r.kind == RequestKind::Start && w.state == WorkerState::Backoff && backoff_timer) {
    const auto left = std::chrono::ceil<milliseconds>(*backoff_timer - steady_now());
    return requests.complete({Outcome::Code::InBackoff,
                              "worker in backoff until " + rfc3339(w.backoff_until.value_or(wall_now())),
                              ceil_seconds(left)});
  }
  if (r.kind == RequestKind::Restart && instance) {
    // During a recording the pump replays what this worker has not acknowledged into the next
    // one; a flush would finish the utterance in progress here, half of it, and split it.
    const bool feeding = instance->link()->state->feeding_recording();
    if (feeding) spdlog::info("restart during a recording: ending the worker without a flush; its audio is replayed");
    do_stop(r.reason, !feeding);
  }
  // A user's start or restart forgets the crash history (budget and exponent).
  backoff.reset();
  backoff_timer.reset();
  w.backoff_until.reset();
  wanted = true;
  stopped_by_pressure = false;
  deferred_restart = false;
  recovering = false;
  waiter = true;
  launch(r.reason);
}

void Supervisor::Impl::launch(const std::string& reason) {
  ++generation;
  const SidecarOptions options{.sink_queue_frames = static_cast<size_t>(config.ipc.sink_queue_frames),
                               .pipe_bytes = static_cast<size_t>(config.ipc.pipe_bytes),
                               .max_line_bytes = static_cast<size_t>(config.ipc.max_line_bytes),
                               .event_buffer = static_cast<size_t>(config.ipc.event_buffer),
                               .event_buffer_bytes = static_cast<size_t>(config.ipc.event_buffer_bytes)};
  try {
    const SpawnSpec spec{effective_worker_command(config), config.worker.working_dir, config.worker.env};
    // The mailbox is unbounded: a ready or pong followed by any flood of other lines still arrives.
    instance = WorkerInstance::launch(spec, options, bus, generation, [mb = mailbox](uint64_t gen, const WorkerMessage& m) {
      if (m.type == WorkerMessageType::Ready || m.type == WorkerMessageType::Pong) {
        mb->post({ActorEvent::Kind::WorkerLine, gen, m, false, false, ""});
      }
    });
  } catch (const std::exception& e) {
    // SpawnError, or a failure to attach (threads, fds): either way no worker, and an
    // exception must not escape the actor thread.
    on_crash(CrashCause::SpawnFailed, std::nullopt, e.what());
    return;
  }
  count([](auto& c) { ++c.spawns_total; });
  {
    std::lock_guard lock(mu);
    live = instance->sidecar();
  }
  w.pid = instance->pid();
  w.started_at = wall_now();
  w.ready_at.reset();
  w.engine.clear();
  w.model.clear();
  w.health_failures = 0;
  w.last_health_check_at.reset();
  start_deadline = steady_now() + milliseconds(config.worker.start_timeout_ms);
  set_state(WorkerState::Starting, reason);
}

void Supervisor::Impl::on_ready(const WorkerMessage& ready) {
  if (w.state != WorkerState::Starting) return;
  const SteadyTime now = steady_now();
  start_deadline.reset();
  w.ready_at = wall_now();
  w.engine = ready.string_field("engine");
  w.model = ready.string_field("model");
  backoff.on_ready(now);
  liveness.reset(now);
  if (recovering) {
    recovering = false;
    count([](auto& c) { ++c.crash_recoveries_total; });
  }
  set_state(WorkerState::Running, "ready");
  link_slot.store(instance->link());  // after the state: the pump's replay goes to a running worker
  finish_waiter({});
}

// An exit nobody asked for, a start timeout, a hang or a failed spawn. The start request
// waiting on this instance (if any) fails now; the crash still goes through backoff, so with
// auto_recover the worker is retried and the caller may poll or start again after Retry-After.
void Supervisor::Impl::on_crash(CrashCause cause, std::optional<ExitStatus> status, const std::string& message) {
  count([&](auto& c) { ++c.crashes[index(cause)]; });
  const std::optional<pid_t> pid = w.pid;
  if (instance) {
    auto killed = instance->kill_and_reap();
    if (!status) status = killed;
    teardown_instance();
  }
  ++w.crash_count;
  w.last_exit = status ? status->describe() : "";
  w.last_error = message;
  start_deadline.reset();
  recovering = false;
  spdlog::warn("worker crashed (cause {}, pid {}): {}", to_string(cause), pid ? std::to_string(*pid) : "none", message);
  const WorkerState next = next_state_after_crash(cause);
  set_state(next, next == WorkerState::Failed ? w.last_error : std::string("crash: ") + to_string(cause));
  // After the state is published, so a caller that sees the failure also sees the backoff.
  Outcome outcome = failed(message);
  if (backoff_timer) outcome.retry_after = ceil_seconds(std::chrono::ceil<milliseconds>(*backoff_timer - steady_now()));
  finish_waiter(outcome);
}

WorkerState Supervisor::Impl::next_state_after_crash(CrashCause cause) {
  // Without auto_recover nothing will restart the worker: that is `failed` (only an explicit
  // start leaves it), not `stopped`, so health reports the crash as degraded.
  if (!config.worker.auto_recover) return WorkerState::Failed;
  const SteadyTime now = steady_now();
  const auto delay = backoff.on_crash(now);
  if (!delay) {
    w.last_error = "restart budget spent: " + std::to_string(backoff.crashes_in_window()) + " crashes within " +
                   std::to_string(config.backoff.restart_window_ms) + " ms";
    spdlog::error("worker failed: {}", w.last_error);
    return WorkerState::Failed;
  }
  backoff_timer = now + *delay;
  w.backoff_until = wall_now() + *delay;
  spdlog::info("worker restart in {} ms (after {})", delay->count(), to_string(cause));
  return WorkerState::Backoff;
}

bool Supervisor::Impl::do_stop(const std::string& reason, bool flush) {
  backoff_timer.reset();
  w.backoff_until.reset();
  start_deadline.reset();
  recovering = false;
  bool reaped = true;
  if (instance) {
    set_state(WorkerState::Stopping, reason);
    const auto result = instance->stop(milliseconds(config.worker.stop_timeout_ms),
                                       milliseconds(config.worker.kill_timeout_ms), flush);
    if (result.killed) count([](auto& c) { ++c.forced_kills_total; });
    reaped = result.status.has_value();
    if (result.status) w.last_exit = result.status->describe();
    spdlog::info("worker pid {} stopped: {}", instance->pid(), result.status ? result.status->describe() : "not reaped");
    teardown_instance();
  }
  set_state(WorkerState::Stopped, reason);
  return reaped;
}

void Supervisor::Impl::on_gate(bool open, bool memory_pressure, const std::string& reason) {
  spdlog::info("pressure gate {}{}", open ? "open" : "closed: ", reason);
  if (open) return maybe_resume();
  // Only memory pressure stops a worker: CPU load is the worker's own inference by design.
  const bool active = w.state == WorkerState::Running || w.state == WorkerState::Starting;
  if (!memory_pressure || !config.worker.stop_on_pressure || !active) return;
  finish_waiter(failed("worker stopped by pressure gate: " + reason));
  do_stop("memory pressure: " + reason);
  stopped_by_pressure = true;
  count([](auto& c) { ++c.pressure_stops_total; });
}

// Starts the worker if the daemon wants it and nothing stands in the way. Called when the
// gate opens, at begin(), and when a backoff timer fires.
void Supervisor::Impl::maybe_resume() {
  if (w.state != WorkerState::Stopped || instance || requests.in_flight()) return;
  if (!gate.snapshot().decision.open) return;
  if (stopped_by_pressure) {
    if (!config.worker.resume_on_recovery) return;
    stopped_by_pressure = false;
    count([](auto& c) { ++c.pressure_resumes_total; });
    launch("pressure recovered");
  } else if (deferred_restart) {
    deferred_restart = false;
    restart_after_crash();
  } else if (wanted) {
    launch("auto_start");
  }
}

void Supervisor::Impl::restart_after_crash() {
  ++w.restart_count;
  recovering = true;  // counted in crash_recoveries_total when this instance gets ready
  launch("crash recovery");
}

void Supervisor::Impl::teardown_instance() {
  link_slot.store(nullptr);
  {
    std::lock_guard lock(mu);
    if (live) ipc_history += live->stats();
    live.reset();
  }
  instance.reset();
  w.pid.reset();
}

void Supervisor::Impl::finish_waiter(const Outcome& o) {
  if (!waiter) return;
  waiter = false;
  requests.complete(o);
}

void Supervisor::Impl::set_state(WorkerState s, const std::string& reason) {
  const WorkerState before = w.state;
  w.state = s;
  commit();
  if (before == s) return;
  spdlog::info("worker {} -> {} (pid {}, {})", to_string(before), to_string(s),
               w.pid ? std::to_string(*w.pid) : "none", reason);
  bus.publish({{"type", "worker_state"},
               {"state", to_string(s)},
               {"pid", w.pid ? nlohmann::json(*w.pid) : nlohmann::json(nullptr)},
               {"reason", reason}});
}

void Supervisor::Impl::commit() {
  std::lock_guard lock(mu);
  published = w;
}

}  // namespace vs
