#include "daemon/daemon.h"

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include <spdlog/spdlog.h>

#include "audio/recorder.h"
#include "daemon/config_reloader.h"
#include "daemon/signal_actions.h"
#include "daemon/status_reporter.h"
#include "daemon/systemd_notifier.h"
#include "daemon/systemd_sockets.h"
#include "daemon/watchdog_heartbeat.h"
#include "dashboard/dashboard_routes.h"
#include "gate/heavy_load_gate.h"
#include "http/api_v1.h"
#include "http/http_server.h"
#include "http/listen_socket.h"
#include "http/router.h"
#include "events/event_bus.h"
#include "supervision/supervisor.h"
#include "wyoming/listen_address.h"
#include "wyoming/wyoming_server.h"

namespace vs {

namespace {

using std::chrono::steady_clock;

constexpr int kCannotStartExit = 1;
constexpr int kConfigErrorExit = 2;

// The HTTP listener: the one socket systemd passed (socket activation), else listen.address
// bound here. Taken before any thread of ours exists: sd_listen_fds edits the environment.
ListenSocket open_http_listener(const Config& config) {
  std::vector<UniqueFd> passed = take_systemd_sockets();
  if (passed.empty()) return open_listen_socket(config.listen);
  if (passed.size() > 1) {
    throw ListenError("systemd passed " + std::to_string(passed.size()) +
                      " sockets; voice-sidecar takes exactly one, for HTTP (one ListenStream= in its .socket unit)");
  }
  return adopt_listen_socket(std::move(passed.front()), !config.auth.token.empty());
}

// One watchdog tick: WATCHDOG=1 only when the last heartbeat came back through the loops.
void keep_alive(WatchdogHeartbeat& beat, SystemdNotifier& notifier, std::chrono::microseconds interval) {
  const uint64_t missed_before = beat.missed();
  if (beat.tick()) {
    if (missed_before > 0) spdlog::info("watchdog: the supervisor and the HTTP I/O threads answer again");
    notifier.watchdog();
  } else if (beat.missed() == 1) {
    spdlog::warn("watchdog: the supervisor actor or an HTTP I/O thread has not answered within {} ms; "
                 "WATCHDOG=1 withheld until it does",
                 std::chrono::duration_cast<std::chrono::milliseconds>(interval).count());
  }
}

timespec until(steady_clock::time_point at) {
  const auto left = std::max(steady_clock::duration::zero(), at - steady_clock::now());
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
  return timespec{static_cast<time_t>(secs.count()),
                  static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(left - secs).count())};
}

// The main thread's loop until a signal asks for shutdown (returned): it carries out each
// signal's action and, when systemd watches, ticks the watchdog heartbeat between signals.
int serve_until_shutdown(SystemdNotifier& notifier, ConfigReloader& reloader, WatchdogHeartbeat::Route route) {
  const sigset_t set = daemon_signal_set();
  const auto interval = notifier.watchdog_interval();
  std::optional<WatchdogHeartbeat> beat;
  if (interval) {
    beat.emplace(std::move(route));
    spdlog::info("watchdog: WATCHDOG=1 every {} ms while the supervisor and the HTTP I/O threads answer",
                 std::chrono::duration_cast<std::chrono::milliseconds>(*interval).count());
  }
  auto next_tick = steady_clock::now();
  for (;;) {
    if (beat && steady_clock::now() >= next_tick) {
      keep_alive(*beat, notifier, *interval);
      next_tick += *interval;
      if (next_tick <= steady_clock::now()) next_tick = steady_clock::now() + *interval;  // no burst after a stall
    }
    int sig;
    if (beat) {
      const timespec timeout = until(next_tick);
      sig = sigtimedwait(&set, nullptr, &timeout);
    } else {
      sig = sigwaitinfo(&set, nullptr);
    }
    if (sig < 0) continue;  // EAGAIN: a tick is due; EINTR
    switch (signal_action(sig)) {
      case SignalAction::Shutdown:
        return sig;
      case SignalAction::Reload:
        spdlog::info("received SIGHUP: reloading the configuration");
        notifier.reloading();
        reloader.reload();
        notifier.ready();
        break;
      case SignalAction::Ignore:
        spdlog::info("received {}: ignored ({})", signal_name(sig), signal_reason(sig));
        break;
    }
  }
}

// SIGTERM (a service manager, a Kubernetes pod ending) drains: no new recordings, and the
// running one may finish for up to `limit` (a file, an upload) before it is stopped. SIGINT is
// someone at a terminal who wants it to stop now; a second signal during the drain cuts it short.
void drain(Recorder& recorder, int sig, std::chrono::milliseconds limit) {
  recorder.begin_drain();
  if (sig != SIGTERM || limit.count() == 0 || !recorder.current()) return;
  spdlog::info("draining: the running recording may finish for up to {} ms; new ones are refused", limit.count());
  const sigset_t set = daemon_signal_set();
  const auto deadline = steady_clock::now() + limit;
  while (recorder.current()) {
    if (steady_clock::now() >= deadline) {
      spdlog::info("draining: {} ms are up; stopping the running recording", limit.count());
      return;
    }
    const timespec tick{0, 50'000'000};
    const int again = sigtimedwait(&set, nullptr, &tick);
    if (again > 0 && signal_action(again) == SignalAction::Shutdown) {
      spdlog::info("received {} while draining: stopping now", signal_name(again));
      return;
    }
  }
  spdlog::info("draining: the running recording finished");
}

// Who may call: loopback Hosts (plus the configured ones and the address we bound, for a
// token-protected non-loopback listener) and the configured Origins.
RequestPolicy request_policy(const Config& config, const ListenSocket& socket) {
  RequestPolicy p;
  p.check_host = socket.network == "tcp";
  p.allowed_hosts = config.http.allowed_hosts;
  p.allowed_hosts.push_back(socket.address);
  p.allowed_origins = config.http.allowed_origins;
  return p;
}

// Every connection and event stream is a descriptor: take what the hard limit allows (up to a
// bound), so the server's own connection limit is what refuses, not EMFILE.
void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t wanted = std::min<rlim_t>(lim.rlim_max, 65536);
  if (lim.rlim_cur >= wanted) return;
  lim.rlim_cur = wanted;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) spdlog::warn("cannot raise the descriptor limit to {}", wanted);
}

}  // namespace

void block_daemon_signals() {
  sigset_t set = daemon_signal_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A worker or client that goes away must show up as a write error, not kill the daemon.
  signal(SIGPIPE, SIG_IGN);
}

int run_daemon(const LoadedConfig& loaded, const ConfigSources& sources) {
  const Config& config = loaded.config;
  raise_descriptor_limit();
  SystemdNotifier notifier;

  ListenSocket socket;
  ListenSocket wyoming_socket;  // Wyoming is off unless wyoming.listen is set
  try {
    socket = open_http_listener(config);
    if (!config.wyoming.listen.empty()) wyoming_socket = open_listen_socket(wyoming_listen_config(config.wyoming.listen));
  } catch (const ListenError& e) {
    spdlog::error("cannot start: {}", e.what());
    remove_socket_file(socket);
    notifier.status(std::string("cannot start: ") + e.what());
    return dynamic_cast<const ListenForbidden*>(&e) ? kConfigErrorExit : kCannotStartExit;
  }
  const bool passed = socket.passed;

  EventBus bus(static_cast<size_t>(config.ipc.event_buffer), static_cast<size_t>(config.ipc.event_buffer_bytes));
  HeavyLoadGate gate(config.pressure);
  Supervisor supervisor(config, gate, bus);
  Recorder recorder(config.audio, supervisor.worker_link(), bus,
                    [&supervisor] { return why_no_audio(supervisor.snapshot()); },
                    [&supervisor](const DecodeRequest& d) { return why_not_served(supervisor.snapshot(), d); });
  // The worker is the heavy work being admitted, not pressure against it (DESIGN.md §5).
  gate.exclude_process_group([&supervisor] { return supervisor.snapshot().pid; });
  // The gate's thread reads the supervisor: it must stop first on every way out of this scope.
  struct GateStopper {
    HeavyLoadGate& gate;
    ~GateStopper() { gate.stop(); }
  } gate_stopper{gate};
  gate.start();

  Router router(config.auth.token, request_policy(config, socket));
  std::unique_ptr<HttpServer> server;
  ApiContext api{supervisor, gate, bus, recorder, ListenInfo{socket.network, socket.address},
                 [&server] { return server ? server->responses_by_status() : std::map<int, uint64_t>{}; }};
  api.openai = config.openai;
  api.file_dirs = config.audio.file_dirs;
  install_api_v1(router, api);
  install_dashboard_routes(router);
  const ListenInfo listen = api.listen;
  server = std::make_unique<HttpServer>(std::move(socket), router, config.listen);
  server->start();
  spdlog::info("voice-sidecar listening on {} {} ({})", listen.network, listen.address,
               passed ? "socket passed by systemd" : "bound from listen.address");
  // Wyoming shares the HTTP server's I/O threads: it starts after them and stops before them.
  std::unique_ptr<WyomingServer> wyoming;
  if (!config.wyoming.listen.empty()) {
    const std::string network = wyoming_socket.network, address = wyoming_socket.address;
    WyomingContext context{recorder,
                           [&supervisor] {
                             const WorkerSnapshot w = supervisor.snapshot();
                             return ModelInfo{w.engine, w.model};
                           },
                           std::chrono::milliseconds(config.wyoming.queue_timeout_ms)};
    context.idle_timeout = std::chrono::milliseconds(config.wyoming.idle_timeout_ms);
    context.read_timeout = std::chrono::milliseconds(config.wyoming.read_timeout_ms);
    wyoming = std::make_unique<WyomingServer>(std::move(wyoming_socket), std::move(context),
                                              [&server]() -> boost::asio::io_context& { return server->next_io_context(); });
    wyoming->start();
    spdlog::info("voice-sidecar Wyoming listening on {} {}", network, address);
  }

  notifier.ready();
  // Before begin(), so it sees every change of the worker's state; a thread only under systemd.
  std::optional<StatusReporter> status;
  if (notifier.enabled()) status.emplace(bus, [&supervisor] { return supervisor.snapshot(); }, notifier);
  ConfigReloader reloader(sources, config,
                          {.gate_thresholds = [&gate](const PressureConfig& p) { gate.set_thresholds(p); },
                           .backoff = [&supervisor](const BackoffConfig& b) { supervisor.set_backoff(b); },
                           .stt = [&supervisor](const SttConfig& s) { supervisor.set_stt(s); }});
  supervisor.begin();
  // A heartbeat goes through the supervisor's mailbox, then every HTTP I/O thread: if any of
  // them wedges, WATCHDOG=1 stops and systemd restarts us.
  const int sig = serve_until_shutdown(notifier, reloader, [&supervisor, &server](std::function<void()> back) {
    supervisor.heartbeat([&server, back = std::move(back)] { server->visit_io_threads(back); });
  });
  notifier.stopping();
  spdlog::info("received {}, shutting down ({})", signal_name(sig), signal_reason(sig));

  drain(recorder, sig, std::chrono::milliseconds(config.shutdown.drain_ms));
  recorder.stop("shutdown");  // the last audio goes to the worker and its final comes back
  supervisor.shutdown();  // pending control calls return; the worker stops gracefully
  bus.close();            // event streams end
  if (wyoming) wyoming->stop();  // before the HTTP server: its connections run on those threads
  server->stop();
  gate.stop();
  remove_socket_file(server->socket());
  if (wyoming) remove_socket_file(wyoming->socket());
  spdlog::info("voice-sidecar stopped");
  return 0;
}

}  // namespace vs
