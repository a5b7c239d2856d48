#include "supervision/lifecycle.h"

#include <signal.h>

#include <algorithm>

namespace vs {

using std::chrono::milliseconds;

namespace {

std::chrono::seconds ceil_seconds(milliseconds ms) {
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(ms));
}

bool has_worker(Phase p) {
  return p == Phase::Starting || p == Phase::Running || p == Phase::Stopping || p == Phase::Killing;
}

// One transition under construction: the state it changes, the actions it emits, and the verbs
// step() is written in. Each verb is one decision of DESIGN.md §5 or of the policies in
// supervisor.h; none of them chooses *whether* it applies — that is step()'s table.
class Transitioning {
 public:
  Transitioning(Lifecycle state, const Facts& facts) : s(std::move(state)), f(facts) {}

  Lifecycle s;
  const Facts& f;
  std::vector<LifecycleAction> out;

  Transition done() { return {std::move(s), std::move(out)}; }
  bool due() const { return f.now >= s.deadline; }

  // ---- requests ----
  void take(uint64_t ticket, RequestKind kind, const std::string& reason) {
    s.request = Lifecycle::Request{ticket, kind};
    log(LogLevel::Info, std::string("worker ") + to_string(kind) + " requested (" + reason + "), state " +
                            to_string(s.w.state));
  }

  void complete(Outcome outcome) {
    if (!s.request) return;
    out.push_back(act::Complete{s.request->ticket, std::move(outcome)});
    s.request.reset();
  }

  Outcome gate_refusal() const {
    return {Outcome::Code::GateClosed, "worker start blocked by pressure gate: " + f.gate_reason,
            s.policy.gate_retry_after};
  }

  Outcome backoff_refusal() const {
    return {Outcome::Code::InBackoff, "worker in backoff until " + rfc3339(s.w.backoff_until.value_or(f.wall)),
            ceil_seconds(std::chrono::ceil<milliseconds>(s.deadline - f.now))};
  }

  // A user's stop: the worker is no longer wanted, and the crash history is forgotten.
  void forget_wants() {
    s.wanted = false;
    s.stopped_by_pressure = false;
    s.deferred_restart = false;
    s.backoff.reset();
  }

  // ---- starting ----
  void launch(const std::string& reason) {
    ++s.generation;
    s.phase = Phase::Launching;
    s.launch_reason = reason;
    out.push_back(act::Spawn{s.generation});
  }

  // A user's start or restart makes the worker wanted and forgets the crash history.
  void launch_for_request(const std::string& reason) {
    s.backoff.reset();
    s.w.backoff_until.reset();
    s.wanted = true;
    s.stopped_by_pressure = false;
    s.deferred_restart = false;
    s.recovering = false;
    launch(reason);
  }

  void restart_after_crash() {
    ++s.w.restart_count;
    s.recovering = true;  // counted in crash_recoveries_total when this worker gets ready
    launch("crash recovery");
  }

  void spawned(pid_t pid) {
    count(Tally::Spawn);
    s.fatal_error.clear();
    s.w.pid = pid;
    s.w.started_at = f.wall;
    s.w.ready_at.reset();
    s.w.engine.clear();
    s.w.model.clear();
    s.w.health_failures = 0;
    s.w.last_health_check_at.reset();
    s.deadline = f.now + s.policy.start_timeout;
    s.phase = Phase::Starting;
    publish(WorkerState::Starting, s.launch_reason);
    arm(TimerKind::StartDeadline, s.deadline);
  }

  void become_running(const ev::Ready& ready) {
    s.w.ready_at = f.wall;
    s.w.engine = ready.engine;
    s.w.model = ready.model;
    s.w.languages = ready.languages;
    s.w.models = ready.models;
    s.backoff.on_ready(f.now);
    s.liveness.reset(f.now);
    if (s.recovering) {
      s.recovering = false;
      count(Tally::CrashRecovery);
    }
    s.phase = Phase::Running;
    publish(WorkerState::Running, "ready");
    out.push_back(act::LinkReady{});  // after the state: the pump's replay goes to a running worker
    arm(TimerKind::Ping, s.liveness.next_deadline());
    complete({});
  }

  // Starts the worker if the daemon wants it and nothing stands in the way.
  void resume_if_wanted() {
    if (s.phase != Phase::Stopped || s.request || !f.gate_open) return;
    if (s.stopped_by_pressure) {
      if (!s.policy.resume_on_recovery) return;
      s.stopped_by_pressure = false;
      count(Tally::PressureResume);
      launch("pressure recovered");
    } else if (s.deferred_restart) {
      s.deferred_restart = false;
      restart_after_crash();
    } else if (s.wanted) {
      launch("auto_start");
    }
  }

  // ---- running ----
  void pong(const std::string& id) {
    if (!s.liveness.on_pong(id, f.now)) return;
    s.w.health_failures = 0;
    s.w.last_health_check_at = f.wall;
    publish(s.w.state, "");
  }

  void ping_tick() {
    s.backoff.on_running(f.now);
    const auto verdict = s.liveness.check(f.now);
    if (static_cast<uint64_t>(s.liveness.failures()) != s.w.health_failures) {
      s.w.health_failures = static_cast<uint64_t>(s.liveness.failures());
      publish(s.w.state, "");
    }
    if (verdict == Liveness::Verdict::Hung) {
      return crash_alive(CrashCause::PingTimeout,
                         "worker did not answer " + std::to_string(s.policy.ping_failure_limit) + " pings within " +
                             std::to_string(s.policy.ping_timeout.count()) + " ms each");
    }
    if (auto id = s.liveness.due_ping(f.now)) out.push_back(act::SendPing{*id});
    arm(TimerKind::Ping, s.liveness.next_deadline());
  }

  // ---- stopping ----
  // Without `flush` the shutdown line is skipped (SIGTERM first): a restart during a recording
  // must not let the worker finish half an utterance whose audio is replayed into the next one.
  void begin_stop(const std::string& reason, bool flush, AfterStop after) {
    s.w.backoff_until.reset();
    s.recovering = false;
    s.stop = {after, reason, StopStep::ShutdownSent};
    if (!has_worker(s.phase)) {
      s.phase = Phase::Stopped;
      publish(WorkerState::Stopped, reason);
      return after_stop(/*reaped=*/true);
    }
    s.phase = Phase::Stopping;
    publish(WorkerState::Stopping, reason);
    if (flush) {
      out.push_back(act::SendShutdown{});
      s.deadline = f.now + s.policy.stop_timeout;
      arm(TimerKind::StopTerm, s.deadline);
    } else {
      signal_term();
    }
  }

  void escalate_to_term() {
    log(LogLevel::Info, "worker pid " + pid_text() + " ignored shutdown for " +
                            std::to_string(s.policy.stop_timeout.count()) + " ms: SIGTERM to its group");
    signal_term();
  }

  void signal_term() {
    out.push_back(act::SignalGroup{SIGTERM});
    s.stop.step = StopStep::TermSent;
    s.deadline = f.now + s.policy.kill_timeout;
    arm(TimerKind::StopKill, s.deadline);
  }

  void escalate_to_kill() {
    log(LogLevel::Warn, "worker pid " + pid_text() + " ignored SIGTERM for " +
                            std::to_string(s.policy.kill_timeout.count()) + " ms: SIGKILL to its group");
    out.push_back(act::SignalGroup{SIGKILL});
    count(Tally::ForcedKill);
    s.stop.step = StopStep::KillSent;
    s.deadline = f.now + kReapGrace;
    arm(TimerKind::Reap, s.deadline);
  }

  // The worker is gone (`status`), or would not die even of SIGKILL (nullopt).
  void finish_stop(const std::optional<ExitStatus>& status) {
    if (status) s.w.last_exit = status->describe();
    log(LogLevel::Info, "worker pid " + pid_text() + " stopped: " + (status ? status->describe() : "not reaped"));
    teardown();
    s.phase = Phase::Stopped;
    publish(WorkerState::Stopped, s.stop.reason);
    after_stop(status.has_value());
  }

  void after_stop(bool reaped) {
    switch (s.stop.after) {
      case AfterStop::CompleteStop:
        return complete(reaped ? Outcome{} : Outcome{Outcome::Code::TimedOut, "worker could not be stopped", std::nullopt});
      case AfterStop::Relaunch: return launch_for_request(s.stop.reason);
      case AfterStop::PressureStop: return;
      case AfterStop::Exit: out.push_back(act::Finished{}); return;
    }
  }

  void pressure_stop(const std::string& reason) {
    complete(failed_outcome("worker stopped by pressure gate: " + reason));
    s.stopped_by_pressure = true;
    count(Tally::PressureStop);
    begin_stop("memory pressure: " + reason, /*flush=*/true, AfterStop::PressureStop);
  }

  // Shutdown: the same graceful sequence as a stop request — never a SIGKILL first, never
  // counted as a crash; every caller still waiting is told.
  void shutdown() {
    s.exiting = true;
    complete(failed_outcome("supervisor is shutting down"));
    if (s.phase == Phase::Stopping) {
      s.stop.after = AfterStop::Exit;
    } else if (s.phase != Phase::Killing) {  // a crash being reaped stops once it is done
      begin_stop("shutdown", /*flush=*/true, AfterStop::Exit);
    }
  }

  // ---- crashes ----
  // A start timeout or a hang: the worker still lives, so SIGKILL first; its exit ends the crash.
  void crash_alive(CrashCause cause, std::string message) {
    count(Tally::Crash, cause);
    out.push_back(act::SignalGroup{SIGKILL});
    s.crash = {cause, std::move(message)};
    s.phase = Phase::Killing;
    s.deadline = f.now + kReapGrace;
    arm(TimerKind::Reap, s.deadline);
  }

  void crash_exited(const std::optional<ExitStatus>& status, const std::string& what_happened) {
    const CrashCause cause = status && status->signaled ? CrashCause::Signal : CrashCause::Exit;
    count(Tally::Crash, cause);
    // The worker's own reason (MODEL_LOAD_FAILED: ...) says what to do; the exit code does not.
    s.crash = {cause, what_happened + (status ? status->describe() : "unknown status") +
                          (s.fatal_error.empty() ? "" : " (" + s.fatal_error + ")")};
    finish_crash(status);
  }

  void spawn_failed(std::string message) {
    count(Tally::Crash, CrashCause::SpawnFailed);
    s.crash = {CrashCause::SpawnFailed, std::move(message)};
    finish_crash(std::nullopt);
  }

  // The request waiting on this worker (if any) fails now; the crash still goes through backoff,
  // so with auto_recover the worker is retried and the caller may start again after Retry-After.
  void finish_crash(const std::optional<ExitStatus>& status) {
    const std::string pid = pid_text();
    if (has_worker(s.phase)) teardown();
    ++s.w.crash_count;
    s.w.last_exit = status ? status->describe() : "";
    s.w.last_error = s.crash.message;
    s.recovering = false;
    log(LogLevel::Warn, std::string("worker crashed (cause ") + to_string(s.crash.cause) + ", pid " + pid + "): " +
                            s.crash.message);
    enter_backoff_or_failed();
    const bool failed = s.phase == Phase::Failed;
    publish(failed ? WorkerState::Failed : WorkerState::Backoff,
            failed ? s.w.last_error : std::string("crash: ") + to_string(s.crash.cause));
    // After the state is published, so a caller that sees the failure also sees the backoff.
    Outcome outcome = failed_outcome(s.crash.message);
    if (!failed) outcome.retry_after = ceil_seconds(std::chrono::ceil<milliseconds>(s.deadline - f.now));
    complete(std::move(outcome));
    if (s.exiting) begin_stop("shutdown", /*flush=*/true, AfterStop::Exit);
  }

  // Without auto_recover nothing will restart the worker: that is `failed` (only an explicit
  // start leaves it), not `stopped`, so health reports the crash as degraded.
  void enter_backoff_or_failed() {
    s.phase = Phase::Failed;
    if (!s.policy.auto_recover) return;
    s.backoff.on_running(f.now);  // a worker stable long enough restarts from the first delay
    const auto delay = s.backoff.on_crash(f.now);
    if (!delay) {
      s.w.last_error = "restart budget spent: " + std::to_string(s.backoff.crashes_in_window()) +
                       " crashes within " + std::to_string(s.policy.restart_window_ms) + " ms";
      log(LogLevel::Error, "worker failed: " + s.w.last_error);
      return;
    }
    s.phase = Phase::Backoff;
    s.deadline = f.now + *delay;
    s.w.backoff_until = f.wall + *delay;
    log(LogLevel::Info, "worker restart in " + std::to_string(delay->count()) + " ms (after " +
                            to_string(s.crash.cause) + ")");
    arm(TimerKind::BackoffExpiry, s.deadline);
  }

  // With the gate closed the restart waits for it to reopen (stopped, still wanted) instead of
  // spawning into pressure; resume_if_wanted() picks it up on the reopen transition.
  void backoff_expired() {
    s.w.backoff_until.reset();
    if (f.gate_open) return restart_after_crash();
    s.deferred_restart = true;
    s.wanted = true;
    s.phase = Phase::Stopped;
    publish(WorkerState::Stopped, "crash restart deferred: pressure gate closed: " + f.gate_reason);
  }

  // ---- plumbing ----
  void teardown() {
    out.push_back(act::Teardown{});
    s.w.pid.reset();
  }
  void publish(WorkerState state, std::string reason) {
    s.w.state = state;
    out.push_back(act::Publish{s.w, std::move(reason)});
  }
  void arm(TimerKind kind, SteadyTime at) { out.push_back(act::ArmTimer{kind, at}); }
  void count(Tally tally, CrashCause cause = CrashCause::Exit) { out.push_back(act::Count{tally, cause}); }
  void log(LogLevel level, std::string text) { out.push_back(act::Log{level, std::move(text)}); }
  std::string pid_text() const { return s.w.pid ? std::to_string(*s.w.pid) : "none"; }
};

template <class T>
const T* as(const LifecycleEvent& e) {
  return std::get_if<T>(&e);
}

}  // namespace

const char* to_string(Phase p) {
  switch (p) {
    case Phase::Stopped: return "stopped";
    case Phase::Launching: return "launching";
    case Phase::Starting: return "starting";
    case Phase::Running: return "running";
    case Phase::Stopping: return "stopping";
    case Phase::Killing: return "killing";
    case Phase::Backoff: return "backoff";
    case Phase::Failed: return "failed";
  }
  return "?";
}

LifecyclePolicy LifecyclePolicy::from(const Config& c) {
  const auto& w = c.worker;
  const milliseconds reopen(int64_t{c.pressure.monitor_interval_ms} * std::max(1, c.pressure.reopen_after_samples));
  return {.start_timeout = milliseconds(w.start_timeout_ms),
          .stop_timeout = milliseconds(w.stop_timeout_ms),
          .kill_timeout = milliseconds(w.kill_timeout_ms),
          .ping_timeout = milliseconds(w.ping_timeout_ms),
          .ping_failure_limit = w.ping_failure_limit,
          .restart_window_ms = c.backoff.restart_window_ms,
          .auto_start = w.auto_start,
          .auto_recover = w.auto_recover,
          .stop_on_pressure = w.stop_on_pressure,
          .resume_on_recovery = w.resume_on_recovery,
          .gate_retry_after = ceil_seconds(reopen)};
}

Lifecycle::Lifecycle(const Config& config, std::function<double()> uniform01)
    : policy(LifecyclePolicy::from(config)),
      wanted(config.worker.auto_start),
      backoff(config.backoff, std::move(uniform01)),
      liveness(milliseconds(config.worker.ping_interval_ms), milliseconds(config.worker.ping_timeout_ms),
               config.worker.ping_failure_limit) {}

bool takes_requests(const Lifecycle& s) {
  switch (s.phase) {
    case Phase::Stopped:
    case Phase::Starting:
    case Phase::Running:
    case Phase::Backoff:
    case Phase::Failed: return !s.request && !s.exiting;
    case Phase::Launching:
    case Phase::Stopping:
    case Phase::Killing: return false;
  }
  return false;
}

// The table: for each event, which phases it applies in (the guard) and what it does. An event
// a phase does not list is ignored there (a late line, a stale timer, a gate change that does
// not concern it).
Transition step(Lifecycle state, const LifecycleEvent& e, const Facts& f) {
  Transitioning t(std::move(state), f);
  const Phase p = t.s.phase;
  const LifecyclePolicy& policy = t.s.policy;

  if (as<ev::Begin>(e)) {
    t.resume_if_wanted();

  } else if (as<ev::GateOpened>(e)) {
    t.log(LogLevel::Info, "pressure gate open");
    t.resume_if_wanted();

  } else if (auto* g = as<ev::GateClosed>(e)) {
    t.log(LogLevel::Info, "pressure gate closed: " + g->reason);
    // Only memory pressure stops a worker: CPU load is the worker's own inference by design.
    if (g->memory_pressure && policy.stop_on_pressure && (p == Phase::Starting || p == Phase::Running)) {
      t.pressure_stop(g->reason);
    }

  } else if (auto* r = as<ev::StartRequested>(e)) {
    t.take(r->ticket, RequestKind::Start, r->reason);
    if (p == Phase::Running) {
      t.complete({});
    } else if (p == Phase::Starting) {
      // an automatic start is under way: the request shares its result
    } else if (!f.gate_open) {
      t.complete(t.gate_refusal());
    } else if (p == Phase::Backoff) {
      t.complete(t.backoff_refusal());
    } else {
      t.launch_for_request(r->reason);
    }

  } else if (auto* r = as<ev::StopRequested>(e)) {
    t.take(r->ticket, RequestKind::Stop, r->reason);
    t.forget_wants();
    t.begin_stop(r->reason, /*flush=*/true, AfterStop::CompleteStop);

  } else if (auto* r = as<ev::RestartRequested>(e)) {
    t.take(r->ticket, RequestKind::Restart, r->reason);
    if (!f.gate_open) {
      t.complete(t.gate_refusal());  // the running worker keeps running
    } else if (p == Phase::Starting || p == Phase::Running) {
      if (r->feeding_recording) {
        t.log(LogLevel::Info, "restart during a recording: ending the worker without a flush; its audio is replayed");
      }
      t.begin_stop(r->reason, /*flush=*/!r->feeding_recording, AfterStop::Relaunch);
    } else {
      t.launch_for_request(r->reason);
    }

  } else if (as<ev::StopQueued>(e)) {
    // A stop behind a start waiting for ready does not wait up to start_timeout.
    if (p == Phase::Starting && t.s.request) t.complete(failed_outcome("worker start interrupted by a stop request"));

  } else if (auto* sp = as<ev::Spawned>(e)) {
    if (p == Phase::Launching) t.spawned(sp->pid);

  } else if (auto* sf = as<ev::SpawnFailed>(e)) {
    if (p == Phase::Launching) t.spawn_failed(sf->message);

  } else if (auto* ready = as<ev::Ready>(e)) {
    if (p == Phase::Starting) t.become_running(*ready);

  } else if (auto* pong = as<ev::Pong>(e)) {
    if (p == Phase::Running) t.pong(pong->id);

  } else if (auto* fatal = as<ev::FatalError>(e)) {
    if (p == Phase::Starting || p == Phase::Running) t.s.fatal_error = fatal->message;

  } else if (auto* x = as<ev::Exited>(e)) {
    if (p == Phase::Starting) t.crash_exited(x->status, "worker exited before it was ready: ");
    if (p == Phase::Running) t.crash_exited(x->status, "worker exited unexpectedly: ");
    if (p == Phase::Stopping) t.finish_stop(x->status);
    if (p == Phase::Killing) t.finish_crash(x->status);

  } else if (auto* timer = as<ev::TimerFired>(e)) {
    const StopStep stop_step = t.s.stop.step;
    switch (timer->kind) {
      case TimerKind::StartDeadline:
        if (p == Phase::Starting && t.due()) {
          t.crash_alive(CrashCause::StartTimeout, "worker did not become ready within " +
                                                      std::to_string(policy.start_timeout.count()) + " ms");
        }
        break;
      case TimerKind::BackoffExpiry:
        if (p == Phase::Backoff && t.due()) t.backoff_expired();
        break;
      case TimerKind::Ping:
        if (p == Phase::Running) t.ping_tick();
        break;
      case TimerKind::StopTerm:
        if (p == Phase::Stopping && stop_step == StopStep::ShutdownSent && t.due()) t.escalate_to_term();
        break;
      case TimerKind::StopKill:
        if (p == Phase::Stopping && stop_step == StopStep::TermSent && t.due()) t.escalate_to_kill();
        break;
      case TimerKind::Reap:
        if (p == Phase::Stopping && stop_step == StopStep::KillSent && t.due()) t.finish_stop(std::nullopt);
        if (p == Phase::Killing && t.due()) t.finish_crash(std::nullopt);
        break;
    }

  } else if (as<ev::ShutdownRequested>(e)) {
    if (!t.s.exiting) t.shutdown();

  } else if (auto* b = as<ev::BackoffChanged>(e)) {
    // In any phase; a restart already scheduled keeps the delay it was given.
    t.s.backoff.set_config(b->config);
    t.s.policy.restart_window_ms = b->config.restart_window_ms;
  }
  return t.done();
}

}  // namespace vs
