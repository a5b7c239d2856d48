#include "daemon/daemon.h"

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "audio/recorder.h"
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

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

int wait_for_stop_signal() {
  const sigset_t set = daemon_signals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
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
  sigset_t set = daemon_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A worker or client that goes away must show up as a write error, not kill the daemon.
  signal(SIGPIPE, SIG_IGN);
}

int run_daemon(const LoadedConfig& loaded) {
  const Config& config = loaded.config;
  raise_descriptor_limit();

  ListenSocket socket;
  ListenSocket wyoming_socket;  // Wyoming is off unless wyoming.listen is set
  try {
    socket = open_listen_socket(config.listen);
    if (!config.wyoming.listen.empty()) wyoming_socket = open_listen_socket(wyoming_listen_config(config.wyoming.listen));
  } catch (const ListenError& e) {
    spdlog::error("cannot start: {}", e.what());
    remove_socket_file(socket);
    return 1;
  }

  EventBus bus(static_cast<size_t>(config.ipc.event_buffer), static_cast<size_t>(config.ipc.event_buffer_bytes));
  HeavyLoadGate gate(config.pressure);
  Supervisor supervisor(config, gate, bus);
  Recorder recorder(config.audio, supervisor.worker_link(), bus);
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
  install_api_v1(router, api);
  install_dashboard_routes(router);
  const ListenInfo listen = api.listen;
  server = std::make_unique<HttpServer>(std::move(socket), router, config.listen);
  server->start();
  spdlog::info("voice-sidecar listening on {} {}", listen.network, listen.address);
  // Wyoming shares the HTTP server's I/O threads: it starts after them and stops before them.
  std::unique_ptr<WyomingServer> wyoming;
  if (!config.wyoming.listen.empty()) {
    const std::string network = wyoming_socket.network, address = wyoming_socket.address;
    WyomingContext context{recorder, bus,
                           [&supervisor] {
                             const WorkerSnapshot w = supervisor.snapshot();
                             return ModelInfo{w.engine, w.model};
                           },
                           std::chrono::milliseconds(config.wyoming.queue_timeout_ms),
                           [&supervisor] { return why_no_audio(supervisor.snapshot()); }};
    wyoming = std::make_unique<WyomingServer>(std::move(wyoming_socket), std::move(context),
                                              [&server]() -> boost::asio::io_context& { return server->next_io_context(); });
    wyoming->start();
    spdlog::info("voice-sidecar Wyoming listening on {} {}", network, address);
  }

  supervisor.begin();
  const int sig = wait_for_stop_signal();
  spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");

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
