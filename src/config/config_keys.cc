#include "config/config_keys.h"

#include <algorithm>

namespace vs::config_detail {
namespace {

// `+[]` turns the lambda into the function pointer a Field holds.
#define VS_FIELD(member) +[](Config& c) -> decltype((c.member)) { return c.member; }

std::string env(std::string_view suffix) { return std::string(kEnvPrefix) + std::string(suffix); }

std::vector<KeyDef> build_table() {
  std::vector<KeyDef> t = {
      {"listen.network", env("NETWORK"), {}, {}, VS_FIELD(listen.network),
       "tcp or unix (the supervisor's TRANSPORT=http|unix maps here)"},
      {"listen.address", env("ADDRESS"), {}, {}, VS_FIELD(listen.address),
       "host:port for tcp, an absolute socket path for unix (BASE_URL / SOCKET map here)"},
      {"listen.socket_mode", env("SOCKET_MODE"), {}, {}, VS_FIELD(listen.socket_mode),
       "permissions of the Unix socket file, octal (\"0600\")"},
      {"listen.body_limit_bytes", env("BODY_LIMIT_BYTES"), {}, {},
       VS_FIELD(listen.body_limit_bytes), "largest control request body"},
      {"listen.read_timeout_ms", env("READ_TIMEOUT_MS"), {}, {}, VS_FIELD(listen.read_timeout_ms),
       "a request must arrive completely within this"},
      {"auth.token", env("TOKEN"), {}, {}, VS_FIELD(auth.token),
       "bearer token for every endpoint but /v1/health; required for a non-loopback address"},
      {"pressure.fail_closed", env("FAIL_CLOSED"), {}, {}, VS_FIELD(pressure.fail_closed),
       "an unreadable, unparsable or stale sample closes the gate"},
      {"pressure.min_available_memory_mb", env("MIN_MEM_MB"), {}, {},
       VS_FIELD(pressure.min_available_memory_mb), "gate closes below this MemAvailable"},
      {"pressure.max_memory_percent", env("MAX_MEM_PERCENT"), {}, {},
       VS_FIELD(pressure.max_memory_percent), "gate closes above this memory use, (0,100]"},
      {"pressure.max_cpu_percent", env("MAX_CPU_PERCENT"), {}, {},
       VS_FIELD(pressure.max_cpu_percent), "new starts refused above this CPU use, (0,100]"},
      {"pressure.max_psi_some_avg10", env("MAX_PSI_SOME_AVG10"), {}, {},
       VS_FIELD(pressure.max_psi_some_avg10), "memory PSI some avg10 limit; 0 = not checked"},
      {"pressure.monitor_interval_ms", env("MONITOR_INTERVAL_MS"), {}, {},
       VS_FIELD(pressure.monitor_interval_ms), "sampling period"},
      {"pressure.sample_timeout_ms", env("SAMPLE_TIMEOUT_MS"), {}, {},
       VS_FIELD(pressure.sample_timeout_ms), "a sample older than interval+this is stale"},
      {"pressure.reopen_after_samples", env("REOPEN_AFTER_SAMPLES"), {}, {},
       VS_FIELD(pressure.reopen_after_samples), "good samples in a row before the gate reopens"},
      {"pressure.proc_root", env("PROC_ROOT"), {}, {}, VS_FIELD(pressure.proc_root),
       "where meminfo, stat and pressure/memory are read"},
      {"pressure.cgroup_root", env("CGROUP_ROOT"), {}, {}, VS_FIELD(pressure.cgroup_root),
       "where memory.max / memory.current are read"},
      {"worker.command", env("WORKER_COMMAND"), {}, {}, VS_FIELD(worker.command),
       "worker argv (env: one string split like a shell, never run by one); empty = bundled"},
      {"worker.working_dir", env("WORKER_DIR"), {}, {}, VS_FIELD(worker.working_dir),
       "worker's working directory; empty = the daemon's"},
      {"worker.env", "", {}, {}, VS_FIELD(worker.env),
       "extra environment for the worker (flag: NAME=VALUE, repeatable)"},
      {"worker.auto_start", env("WORKER_AUTOSTART"), {}, {}, VS_FIELD(worker.auto_start),
       "keep the worker running from the start"},
      {"worker.auto_recover", env("WORKER_AUTORECOVER"), {}, {}, VS_FIELD(worker.auto_recover),
       "restart after a crash, with backoff"},
      {"worker.stop_on_pressure", env("STOP_ON_PRESSURE"), {}, {},
       VS_FIELD(worker.stop_on_pressure), "stop the worker when memory pressure closes the gate"},
      {"worker.resume_on_recovery", env("RESUME_ON_RECOVERY"), {}, {},
       VS_FIELD(worker.resume_on_recovery), "start it again when that pressure ends"},
      {"worker.start_timeout_ms", env("WORKER_START_TIMEOUT_MS"),
       {"worker.startup_health_wait_ms"}, {env("WORKER_STARTUP_WAIT_MS")},
       VS_FIELD(worker.start_timeout_ms), "spawn to ready line; longer counts as a crash"},
      {"worker.stop_timeout_ms", env("WORKER_STOP_TIMEOUT_MS"), {}, {},
       VS_FIELD(worker.stop_timeout_ms), "shutdown line to SIGTERM"},
      {"worker.kill_timeout_ms", env("WORKER_KILL_TIMEOUT_MS"), {}, {},
       VS_FIELD(worker.kill_timeout_ms), "SIGTERM to SIGKILL"},
      {"worker.ping_interval_ms", env("PING_INTERVAL_MS"), {}, {},
       VS_FIELD(worker.ping_interval_ms), "liveness ping period"},
      {"worker.ping_timeout_ms", env("PING_TIMEOUT_MS"), {"worker.health_timeout_ms"},
       {env("WORKER_HEALTH_TIMEOUT_MS")}, VS_FIELD(worker.ping_timeout_ms),
       "a ping without pong for this long is missed"},
      {"worker.ping_failure_limit", env("PING_FAILURE_LIMIT"), {"worker.health_failure_limit"},
       {env("WORKER_HEALTH_FAILURE_LIMIT")}, VS_FIELD(worker.ping_failure_limit),
       "missed pings in a row that count as a hang"},
      {"worker.health_url", env("WORKER_HEALTH_URL"), {}, {}, VS_FIELD(worker.health_url),
       "accepted for compatibility; no effect (liveness is ping/pong)"},
      {"worker.startup_poll_ms", env("WORKER_STARTUP_POLL_MS"),
       {"worker.startup_health_poll_ms"}, {}, VS_FIELD(worker.startup_poll_ms),
       "accepted for compatibility; no effect (ready is a line)"},
      {"backoff.initial_ms", env("BACKOFF_INITIAL_MS"), {}, {}, VS_FIELD(backoff.initial_ms),
       "first restart delay"},
      {"backoff.max_ms", env("BACKOFF_MAX_MS"), {}, {}, VS_FIELD(backoff.max_ms),
       "longest restart delay, >= initial_ms"},
      {"backoff.multiplier", env("BACKOFF_MULTIPLIER"), {}, {}, VS_FIELD(backoff.multiplier),
       "delay growth per crash, >= 1"},
      {"backoff.jitter", env("BACKOFF_JITTER"), {}, {}, VS_FIELD(backoff.jitter),
       "delay scaled by [1-jitter, 1+jitter], jitter in [0,1)"},
      {"backoff.stable_after_ms", env("BACKOFF_STABLE_AFTER_MS"), {}, {},
       VS_FIELD(backoff.stable_after_ms), "ready running this long resets the exponent"},
      {"backoff.max_restarts", env("MAX_RESTARTS"), {}, {}, VS_FIELD(backoff.max_restarts),
       "crash restarts allowed within restart_window_ms before failed"},
      {"backoff.restart_window_ms", env("RESTART_WINDOW_MS"), {}, {},
       VS_FIELD(backoff.restart_window_ms), "window for max_restarts"},
      {"ipc.sink_queue_frames", env("IPC_SINK_QUEUE_FRAMES"), {}, {},
       VS_FIELD(ipc.sink_queue_frames), "frames queued for the writer thread"},
      {"ipc.max_line_bytes", env("IPC_MAX_LINE_BYTES"), {}, {}, VS_FIELD(ipc.max_line_bytes),
       "longer worker lines are counted and skipped"},
      {"ipc.event_buffer", env("IPC_EVENT_BUFFER"), {}, {}, VS_FIELD(ipc.event_buffer),
       "events a subscriber may fall behind before it lags (and that Last-Event-ID can replay)"},
      {"ipc.event_buffer_bytes", env("IPC_EVENT_BUFFER_BYTES"), {}, {}, VS_FIELD(ipc.event_buffer_bytes),
       "most bytes of events held for subscribers; the oldest go first"},
      {"ipc.pipe_bytes", env("IPC_PIPE_BYTES"), {}, {}, VS_FIELD(ipc.pipe_bytes),
       "size of the worker's stdin pipe (small: a hung worker fills the ring, not the pipe)"},
      {"audio.buffer_seconds", env("AUDIO_BUFFER_SECONDS"), {}, {}, VS_FIELD(audio.buffer_seconds),
       "the ring between a source and the worker; full = recording stops (overflow)"},
      {"audio.replay_seconds", env("AUDIO_REPLAY_SECONDS"), {}, {}, VS_FIELD(audio.replay_seconds),
       "unacknowledged audio kept to replay into a restarted worker"},
      {"audio.flush_timeout_ms", env("AUDIO_FLUSH_TIMEOUT_MS"), {}, {}, VS_FIELD(audio.flush_timeout_ms),
       "how long stopping a recording waits for the worker's last final"},
      {"http.allowed_hosts", env("HTTP_ALLOWED_HOSTS"), {}, {}, VS_FIELD(http.allowed_hosts),
       "Host header values accepted besides loopback names and addresses"},
      {"http.allowed_origins", env("HTTP_ALLOWED_ORIGINS"), {}, {}, VS_FIELD(http.allowed_origins),
       "Origin values accepted besides the daemon's own (e.g. http://localhost:3000)"},
      {"log.level", env("LOG_LEVEL"), {}, {}, VS_FIELD(log.level),
       "trace, debug, info, warn or error"},
      {"control_timeout_ms", env("CONTROL_TIMEOUT_MS"), {}, {}, VS_FIELD(control_timeout_ms),
       "how long a control call waits beyond the worker's own timeouts"},
  };
  std::sort(t.begin(), t.end(), [](const KeyDef& a, const KeyDef& b) { return a.key < b.key; });
  return t;
}

#undef VS_FIELD

}  // namespace

const std::vector<KeyDef>& config_keys() {
  static const std::vector<KeyDef> table = build_table();
  return table;
}

const KeyDef* find_key(std::string_view dotted) {
  for (const KeyDef& k : config_keys()) {
    if (k.key == dotted) return &k;
    for (const std::string& a : k.key_aliases) {
      if (a == dotted) return &k;
    }
  }
  return nullptr;
}

const KeyDef* find_env_key(std::string_view env_name) {
  for (const KeyDef& k : config_keys()) {
    if (!k.env.empty() && k.env == env_name) return &k;
    for (const std::string& a : k.env_aliases) {
      if (a == env_name) return &k;
    }
  }
  return nullptr;
}

bool is_section(std::string_view dotted) {
  const std::string prefix = std::string(dotted) + ".";
  for (const KeyDef& k : config_keys()) {
    if (k.key.starts_with(prefix)) return true;
    for (const std::string& a : k.key_aliases) {
      if (a.starts_with(prefix)) return true;
    }
  }
  return false;
}

const std::vector<std::string>& supervisor_only_env_names() {
  static const std::vector<std::string> names = {
      env("ENABLED"),       env("REQUIRED"),       env("MANAGE_WORKER"),  env("COMMAND"),
      env("START_TIMEOUT"), env("HEALTH_TIMEOUT"), env("CONTROL_TIMEOUT"),
  };
  return names;
}

std::string expected_type(const Field& field) {
  switch (field.index()) {
    case 0: return "a boolean (1/true/yes/on or 0/false/no/off)";
    case 1: return "an integer";
    case 2: return "a permission mode like \"0600\"";
    case 3: return "a number";
    case 4: return "a string";
    case 5: return "a list of strings";
    default: return "a map of strings";
  }
}

}  // namespace vs::config_detail
