#include "supervision/supervisor.h"

#include <poll.h>

#include <array>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "supervision/actor_mailbox.h"
#include "supervision/lifecycle.h"
#include "supervision/lifecycle_requests.h"
#include "supervision/supervisor_deps.h"
#include "supervision/worker_launcher.h"

namespace vs {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;  // C++20 deduces this itself; clang 14 does not yet

Outcome shutting_down() { return failed_outcome("supervisor is shutting down"); }

}  // namespace

// The actor: it turns mailbox items, timers and the worker's exit into the lifecycle's events,
// and carries out the actions step() returns. Everything below "actor-only" is touched by the
// actor thread alone; the rest is shared and guarded by `mu` (or is itself thread-safe).
struct Supervisor::Impl {
  Impl(const Config& c, HeavyLoadGate& g, EventBus& b, SupervisorDeps&& deps)
      : config(c),
        gate(g),
        bus(b),
        clock(deps.clock ? std::move(deps.clock) : std::make_shared<SystemClock>()),
        launcher(deps.launcher ? std::move(deps.launcher) : std::make_unique<WorkerLauncher>(c, b)),
        mailbox(std::make_shared<ActorMailbox>()),
        requests([mb = mailbox] { mb->wake(); }),
        lifecycle(c, std::move(deps.uniform01)) {
    clock->on_advance([mb = mailbox] { mb->wake(); });
  }

  const Config config;
  HeavyLoadGate& gate;
  EventBus& bus;
  std::shared_ptr<Clock> clock;
  std::unique_ptr<ProcessLauncher> launcher;
  std::shared_ptr<ActorMailbox> mailbox;
  LifecycleRequests requests;

  mutable std::mutex mu;
  WorkerSnapshot published;
  SupervisorCounters counters;
  IpcStats ipc_history;                 // summed stats of finished workers
  std::shared_ptr<Sidecar> live;        // the current worker's Sidecar (stats)
  WorkerLinkSlot link_slot;             // the ready worker's link, for the audio path

  std::mutex lifecycle_mu;              // begin()/shutdown()
  bool begun = false, ended = false;
  std::thread actor;

  // ---- actor-only ----
  Lifecycle lifecycle;
  std::unique_ptr<WorkerProcess> worker;
  std::array<std::optional<SteadyTime>, kTimerKinds> timers;
  bool finished = false;

  // ---- public side ----
  void submit(RequestKind kind, const std::string& reason, milliseconds timeout, Completion done);
  template <class Call>
  static Outcome wait_for_outcome(Call call);

  // ---- actor ----
  void run();
  void sleep_until_something();
  void drain_mailbox();
  void fire_due_timers();
  static ev::Ready ready_event(const WorkerMessage& m);
  void take_requests();
  void handle(LifecycleEvent event);
  void carry_out(const LifecycleAction& action, std::deque<LifecycleEvent>& follow_ups);
  void spawn(uint64_t generation, std::deque<LifecycleEvent>& follow_ups);
  void publish(const act::Publish& p);
  void teardown();
  void count(const act::Count& c);
  Facts facts() const;

  void tally_request(uint64_t SupervisorCounters::*field) {
    std::lock_guard lock(mu);
    ++(counters.*field);
  }
};

// ------------------------------------------------------------------------------------------
// Public side

void Supervisor::Impl::submit(RequestKind kind, const std::string& reason, milliseconds timeout, Completion done) {
  bool running;
  {
    std::lock_guard lock(lifecycle_mu);
    running = begun && !ended;
  }
  if (!running) return done(failed_outcome("supervisor is not running"));
  Outcome timed_out{Outcome::Code::TimedOut,
                    std::string("worker ") + to_string(kind) + " did not finish within " +
                        std::to_string(timeout.count()) + " ms",
                    std::nullopt};
  requests.submit(kind, reason, clock->steady() + timeout, std::move(timed_out), std::move(done));
}

template <class Call>
Outcome Supervisor::Impl::wait_for_outcome(Call call) {
  // Shared: the actor may still be inside set_value when this thread wakes and returns.
  auto promise = std::make_shared<std::promise<Outcome>>();
  auto outcome = promise->get_future();
  call([promise](const Outcome& o) { promise->set_value(o); });
  return outcome.get();
}

Supervisor::Supervisor(const Config& config, HeavyLoadGate& gate, EventBus& bus)
    : Supervisor(config, gate, bus, SupervisorDeps{}) {}

Supervisor::Supervisor(const Config& config, HeavyLoadGate& gate, EventBus& bus, SupervisorDeps&& deps)
    : impl_(std::make_unique<Impl>(config, gate, bus, std::move(deps))) {
  gate.on_change([mb = impl_->mailbox](const GateSnapshot& s) {
    ActorEvent ev{.kind = ActorEvent::Kind::GateChanged,
                  .gate_open = s.decision.open,
                  .memory_pressure = s.decision.memory_pressure,
                  .reason = s.decision.reason};
    mb->post(std::move(ev));
  });
}

Supervisor::~Supervisor() { shutdown(); }

void Supervisor::begin() {
  std::lock_guard lock(impl_->lifecycle_mu);
  if (impl_->begun || impl_->ended) return;
  impl_->begun = true;
  impl_->actor = std::thread([im = impl_.get()] { im->run(); });
  impl_->mailbox->post({.kind = ActorEvent::Kind::Begin});
}

// The deadlines are today's: the control margin plus the time each step may take.
void Supervisor::start(const std::string& reason, Completion done) {
  impl_->tally_request(&SupervisorCounters::start_requests_total);
  const auto& c = impl_->config;
  impl_->submit(RequestKind::Start, reason, milliseconds(c.control_timeout_ms + c.worker.start_timeout_ms),
                std::move(done));
}

void Supervisor::stop(const std::string& reason, Completion done) {
  impl_->tally_request(&SupervisorCounters::stop_requests_total);
  const auto& c = impl_->config;
  // The whole stop sequence, plus the reap after SIGKILL, plus the usual control margin.
  impl_->submit(RequestKind::Stop, reason,
                milliseconds(c.control_timeout_ms + c.worker.stop_timeout_ms + c.worker.kill_timeout_ms + 1000),
                std::move(done));
}

void Supervisor::restart(const std::string& reason, Completion done) {
  impl_->tally_request(&SupervisorCounters::restart_requests_total);
  const auto& c = impl_->config;
  impl_->submit(RequestKind::Restart, reason,
                milliseconds(c.control_timeout_ms + c.worker.stop_timeout_ms + c.worker.kill_timeout_ms + 1000 +
                             c.worker.start_timeout_ms),
                std::move(done));
}

Outcome Supervisor::start(const std::string& reason) {
  return Impl::wait_for_outcome([&](Completion done) { start(reason, std::move(done)); });
}

Outcome Supervisor::stop(const std::string& reason) {
  return Impl::wait_for_outcome([&](Completion done) { stop(reason, std::move(done)); });
}

Outcome Supervisor::restart(const std::string& reason) {
  return Impl::wait_for_outcome([&](Completion done) { restart(reason, std::move(done)); });
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
    impl_->mailbox->post({.kind = ActorEvent::Kind::Shutdown});
    actor.join();
  }
  impl_->requests.close(shutting_down());
  impl_->mailbox->close();
}

void Supervisor::heartbeat(std::function<void()> reply) {
  // A closed mailbox drops it: after shutdown nobody may be told the actor is alive.
  impl_->mailbox->post({.kind = ActorEvent::Kind::Heartbeat, .reply = std::move(reply)});
}

void Supervisor::set_backoff(const BackoffConfig& backoff) {
  impl_->mailbox->post({.kind = ActorEvent::Kind::BackoffChanged, .backoff = backoff});
}

void Supervisor::set_stt(const SttConfig& stt) {
  impl_->mailbox->post({.kind = ActorEvent::Kind::SttChanged, .stt = stt});
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
  while (!finished) {
    sleep_until_something();
    drain_mailbox();
    if (worker && worker->has_exited()) handle(ev::Exited{worker->reap()});
    fire_due_timers();
    requests.expire(clock->steady());
    take_requests();
  }
  requests.close(shutting_down());
}

// Until a mailbox item, the worker's exit, or the next deadline (a lifecycle timer or a caller's).
void Supervisor::Impl::sleep_until_something() {
  const SteadyTime now = clock->steady();
  SteadyTime next = requests.next_deadline().value_or(now + 1h);
  for (const auto& at : timers) {
    if (at) next = std::min(next, *at);
  }
  const int timeout = next <= now ? 0 : clock->sleep_before(next);
  pollfd fds[2] = {{mailbox->fd(), POLLIN, 0}, {worker ? worker->exit_fd() : -1, POLLIN, 0}};
  ::poll(fds, 2, timeout);
}

void Supervisor::Impl::drain_mailbox() {
  for (auto& item : mailbox->drain()) {
    switch (item.kind) {
      case ActorEvent::Kind::Shutdown:
        requests.close(shutting_down());  // the queued ones; the lifecycle answers the one in flight
        handle(ev::ShutdownRequested{});
        break;
      case ActorEvent::Kind::Begin:
        handle(ev::Begin{});
        break;
      case ActorEvent::Kind::Heartbeat:
        if (item.reply) item.reply();
        break;
      case ActorEvent::Kind::BackoffChanged:
        handle(ev::BackoffChanged{item.backoff});
        break;
      case ActorEvent::Kind::SttChanged:
        launcher->set_stt(item.stt);  // spawns happen on this thread: no lock needed
        break;
      case ActorEvent::Kind::GateChanged:
        if (item.gate_open) {
          handle(ev::GateOpened{});
        } else {
          handle(ev::GateClosed{item.memory_pressure, item.reason});
        }
        break;
      case ActorEvent::Kind::WorkerLine:
        if (!worker || item.generation != lifecycle.generation) break;  // a late line of an old worker
        if (item.message.type == WorkerMessageType::Ready) {
          handle(ready_event(item.message));
        } else if (item.message.type == WorkerMessageType::Pong) {
          handle(ev::Pong{item.message.string_field("id")});
        } else if (item.message.fatal_error()) {
          handle(ev::FatalError{item.message.string_field("code") + ": " + item.message.string_field("message")});
        }
        break;
    }
  }
}

// The ready line's fields, read without throwing: a field of the wrong shape is left out.
ev::Ready Supervisor::Impl::ready_event(const WorkerMessage& m) {
  ev::Ready r{m.string_field("engine"), m.string_field("model")};
  const nlohmann::json& body = *m.body;
  const auto strings = [](const nlohmann::json& j) {
    std::vector<std::string> out;
    if (j.is_array()) {
      for (const auto& v : j) {
        if (v.is_string()) out.push_back(v.get<std::string>());
      }
    }
    return out;
  };
  const auto text = [](const nlohmann::json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (auto it = body.find("languages"); it != body.end()) r.languages = strings(*it);
  if (auto it = body.find("models"); it != body.end() && it->is_array()) {
    for (const auto& m : *it) {
      if (!m.is_object() || text(m, "name").empty()) continue;
      const auto langs = m.find("languages");
      const auto translate = m.find("translate");
      r.models.push_back({text(m, "name"), text(m, "engine"), langs != m.end() ? strings(*langs) : std::vector<std::string>{},
                          translate != m.end() && translate->is_boolean() && translate->get<bool>()});
    }
  }
  return r;
}

void Supervisor::Impl::fire_due_timers() {
  for (int k = 0; k < kTimerKinds; ++k) {
    auto& at = timers[static_cast<size_t>(k)];
    if (!at || *at > clock->steady()) continue;
    at.reset();
    handle(ev::TimerFired{static_cast<TimerKind>(k)});
  }
}

// Requests run one at a time; while one is in flight only a stop queued behind it matters.
void Supervisor::Impl::take_requests() {
  for (;;) {
    if (takes_requests(lifecycle)) {
      auto r = requests.take();
      if (!r) return;
      switch (r->kind) {
        case RequestKind::Start: handle(ev::StartRequested{r->id, r->reason}); break;
        case RequestKind::Stop: handle(ev::StopRequested{r->id, r->reason}); break;
        case RequestKind::Restart:
          handle(ev::RestartRequested{r->id, r->reason, worker && worker->feeding_recording()});
          break;
      }
    } else if (lifecycle.request && requests.next_queued() == RequestKind::Stop) {
      handle(ev::StopQueued{});
      if (lifecycle.request) return;  // not a start it could interrupt
    } else {
      return;
    }
  }
}

void Supervisor::Impl::handle(LifecycleEvent event) {
  std::deque<LifecycleEvent> events;
  events.push_back(std::move(event));
  while (!events.empty()) {
    Transition t = step(std::move(lifecycle), events.front(), facts());
    events.pop_front();
    lifecycle = std::move(t.state);
    for (const auto& action : t.actions) carry_out(action, events);
  }
}

Facts Supervisor::Impl::facts() const {
  const GateSnapshot g = gate.snapshot();
  return {clock->steady(), clock->wall(), g.decision.open, g.decision.reason};
}

void Supervisor::Impl::carry_out(const LifecycleAction& action, std::deque<LifecycleEvent>& follow_ups) {
  std::visit(
      Overloaded{
          [&](const act::Spawn& a) { spawn(a.generation, follow_ups); },
          [&](const act::SendPing& a) { if (worker) worker->send_ping(a.id); },
          [&](const act::SendShutdown&) { if (worker) worker->send_shutdown(); },
          [&](const act::SignalGroup& a) { if (worker) worker->signal_group(a.signal); },
          [&](const act::ArmTimer& a) { timers[static_cast<size_t>(a.kind)] = a.at; },
          [&](const act::Complete& a) { requests.complete(a.ticket, a.outcome); },
          [&](const act::Publish& a) { publish(a); },
          [&](const act::LinkReady&) { if (worker) link_slot.store(worker->link()); },
          [&](const act::Teardown&) { teardown(); },
          [&](const act::Count& a) { count(a); },
          [&](const act::Log& a) {
            const auto level = a.level == LogLevel::Error ? spdlog::level::err
                               : a.level == LogLevel::Warn ? spdlog::level::warn
                                                           : spdlog::level::info;
            spdlog::log(level, "{}", a.text);
          },
          [&](const act::Finished&) { finished = true; },
      },
      action);
}

// The spawn's result is the next event, before anything else can happen.
void Supervisor::Impl::spawn(uint64_t generation, std::deque<LifecycleEvent>& follow_ups) {
  try {
    // The mailbox is unbounded: a ready or pong followed by any flood of other lines still arrives.
    worker = launcher->launch(generation, [mb = mailbox](uint64_t gen, const WorkerMessage& m) {
      if (m.type == WorkerMessageType::Ready || m.type == WorkerMessageType::Pong || m.fatal_error()) {
        mb->post({.kind = ActorEvent::Kind::WorkerLine, .generation = gen, .message = m});
      }
    });
  } catch (const std::exception& e) {
    // SpawnError, or a failure to attach (threads, fds): either way no worker, and an
    // exception must not escape the actor thread.
    follow_ups.push_back(ev::SpawnFailed{e.what()});
    return;
  }
  {
    std::lock_guard lock(mu);
    live = worker->sidecar();
  }
  follow_ups.push_back(ev::Spawned{worker->pid()});
}

void Supervisor::Impl::publish(const act::Publish& p) {
  WorkerState before;
  {
    std::lock_guard lock(mu);
    before = published.state;
    published = p.snapshot;
  }
  const WorkerSnapshot& w = p.snapshot;
  if (before == w.state) return;
  spdlog::info("worker {} -> {} (pid {}, {})", to_string(before), to_string(w.state),
               w.pid ? std::to_string(*w.pid) : "none", p.reason);
  bus.publish({{"type", "worker_state"},
               {"state", to_string(w.state)},
               {"pid", w.pid ? nlohmann::json(*w.pid) : nlohmann::json(nullptr)},
               {"reason", p.reason}});
}

void Supervisor::Impl::teardown() {
  link_slot.store(nullptr);
  {
    std::lock_guard lock(mu);
    if (live) ipc_history += live->stats();
    live.reset();
  }
  worker.reset();
}

void Supervisor::Impl::count(const act::Count& c) {
  std::lock_guard lock(mu);
  switch (c.tally) {
    case Tally::Spawn: ++counters.spawns_total; break;
    case Tally::Crash: ++counters.crashes[index(c.cause)]; break;
    case Tally::CrashRecovery: ++counters.crash_recoveries_total; break;
    case Tally::PressureStop: ++counters.pressure_stops_total; break;
    case Tally::PressureResume: ++counters.pressure_resumes_total; break;
    case Tally::ForcedKill: ++counters.forced_kills_total; break;
  }
}

}  // namespace vs
