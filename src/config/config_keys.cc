#include "config/config_keys.h"

#include <algorithm>

namespace vs::config_detail {
namespace {

std::string env(std::string_view suffix) {
  return suffix.empty() ? "" : std::string(kEnvPrefix) + std::string(suffix);
}

// Upper bounds keep every deadline the daemon computes far from overflow, and what it allocates
// from a key (the event ring, pipes, queues) modest.
constexpr double kMiB = 1 << 20;
constexpr Range kTimeoutMs(0, 3'600'000, true);  // 1 ms .. 1 hour
constexpr Range kWindowMs(0, 86'400'000, true);  // 1 ms .. 1 day
constexpr Range kCount(1, 1000);
constexpr Range kPercent(0, 100, true);
constexpr std::optional<Range> kAny;             // not a number

// The dotted key is the member's path in Config, spelled once: the two cannot drift apart.
#define KEY(member, env_suffix, range, help, ...) \
  KeyDef { #member, env(env_suffix), VS_CONFIG_FIELD(member), range, help, __VA_ARGS__ }

std::vector<KeyDef> build_table() {
  std::vector<KeyDef> t = {
      // member = key, env name after the prefix, range, meaning[, older keys[, older env names]]
      KEY(listen.network, "NETWORK", kAny, "tcp or unix (the supervisor's TRANSPORT=http|unix maps here)"),
      KEY(listen.address, "ADDRESS", kAny,
          "host:port for tcp, an absolute socket path for unix (BASE_URL / SOCKET map here)"),
      KEY(listen.socket_mode, "SOCKET_MODE", Range(0, 0777), "permissions of the Unix socket file, octal"),
      KEY(listen.body_limit_bytes, "BODY_LIMIT_BYTES", Range(0, 16 * kMiB, true), "largest control request body"),
      KEY(listen.read_timeout_ms, "READ_TIMEOUT_MS", kTimeoutMs, "a request must arrive completely within this"),
      KEY(auth.token, "TOKEN", kAny, "bearer token for all but /v1/health; required for a non-loopback address"),
      KEY(auth.token_file, "TOKEN_FILE", kAny,
          "file holding auth.token (the way to give it: not in argv or the environment); a regular file "
          "of the daemon's user, mode 0600 or stricter; one trailing newline is dropped"),
      KEY(pressure.fail_closed, "FAIL_CLOSED", kAny, "an unreadable, unparsable or stale sample closes the gate"),
      KEY(pressure.min_available_memory_mb, "MIN_MEM_MB", Range(0, 16 * kMiB), "gate closes below this MemAvailable"),
      KEY(pressure.max_memory_percent, "MAX_MEM_PERCENT", kPercent, "gate closes above this memory use"),
      KEY(pressure.max_cpu_percent, "MAX_CPU_PERCENT", kPercent, "new starts refused above this CPU use"),
      KEY(pressure.max_psi_some_avg10, "MAX_PSI_SOME_AVG10", Range(0, 100), "memory PSI some avg10 limit; 0 = off"),
      KEY(pressure.monitor_interval_ms, "MONITOR_INTERVAL_MS", kTimeoutMs, "sampling period"),
      KEY(pressure.sample_timeout_ms, "SAMPLE_TIMEOUT_MS", kTimeoutMs, "a sample older than interval+this is stale"),
      KEY(pressure.reopen_after_samples, "REOPEN_AFTER_SAMPLES", kCount, "good samples in a row before reopening"),
      KEY(pressure.proc_root, "PROC_ROOT", kAny, "where meminfo, stat and pressure/memory are read"),
      KEY(pressure.cgroup_root, "CGROUP_ROOT", kAny, "where memory.max / memory.current are read"),
      KEY(worker.command, "WORKER_COMMAND", kAny,
          "worker argv (env: one string split like a shell, never run by one); empty = bundled"),
      KEY(worker.working_dir, "WORKER_DIR", kAny, "worker's working directory; empty = the daemon's"),
      KEY(worker.env, "", kAny, "extra environment for the worker (flag: NAME=VALUE, repeatable)"),
      KEY(worker.auto_start, "WORKER_AUTOSTART", kAny, "keep the worker running from the start"),
      KEY(worker.auto_recover, "WORKER_AUTORECOVER", kAny, "restart after a crash, with backoff"),
      KEY(worker.stop_on_pressure, "STOP_ON_PRESSURE", kAny, "stop the worker when memory pressure closes the gate"),
      KEY(worker.resume_on_recovery, "RESUME_ON_RECOVERY", kAny, "start it again when that pressure ends"),
      KEY(worker.start_timeout_ms, "WORKER_START_TIMEOUT_MS", kTimeoutMs, "spawn to ready line; longer is a crash",
          {"worker.startup_health_wait_ms"}, {env("WORKER_STARTUP_WAIT_MS")}),
      KEY(worker.stop_timeout_ms, "WORKER_STOP_TIMEOUT_MS", kTimeoutMs, "shutdown line to SIGTERM"),
      KEY(worker.kill_timeout_ms, "WORKER_KILL_TIMEOUT_MS", kTimeoutMs, "SIGTERM to SIGKILL"),
      KEY(worker.ping_interval_ms, "PING_INTERVAL_MS", kTimeoutMs, "liveness ping period"),
      KEY(worker.ping_timeout_ms, "PING_TIMEOUT_MS", kTimeoutMs, "a ping without pong for this long is missed",
          {"worker.health_timeout_ms"}, {env("WORKER_HEALTH_TIMEOUT_MS")}),
      KEY(worker.ping_failure_limit, "PING_FAILURE_LIMIT", kCount, "missed pings in a row that count as a hang",
          {"worker.health_failure_limit"}, {env("WORKER_HEALTH_FAILURE_LIMIT")}),
      KEY(worker.health_url, "WORKER_HEALTH_URL", kAny, "accepted for compatibility; no effect (ping/pong is)"),
      KEY(worker.startup_poll_ms, "WORKER_STARTUP_POLL_MS", kTimeoutMs, "accepted; no effect (ready is a line)",
          {"worker.startup_health_poll_ms"}),
      KEY(backoff.initial_ms, "BACKOFF_INITIAL_MS", kTimeoutMs, "first restart delay"),
      KEY(backoff.max_ms, "BACKOFF_MAX_MS", kTimeoutMs, "longest restart delay, >= initial_ms"),
      KEY(backoff.multiplier, "BACKOFF_MULTIPLIER", Range(1, 100), "delay growth per crash"),
      KEY(backoff.jitter, "BACKOFF_JITTER", Range(0, 1, false, true), "delays scaled by [1-jitter, 1+jitter]"),
      KEY(backoff.stable_after_ms, "BACKOFF_STABLE_AFTER_MS", kWindowMs, "ready this long resets the exponent"),
      KEY(backoff.max_restarts, "MAX_RESTARTS", Range(0, 1000), "crash restarts within the window before failed"),
      KEY(backoff.restart_window_ms, "RESTART_WINDOW_MS", kWindowMs, "window for max_restarts"),
      KEY(ipc.sink_queue_frames, "IPC_SINK_QUEUE_FRAMES", Range(0, 1024, true), "10 ms frames queued for the writer"),
      KEY(ipc.max_line_bytes, "IPC_MAX_LINE_BYTES", Range(0, 16 * kMiB, true), "longer worker lines are skipped"),
      KEY(ipc.event_buffer, "IPC_EVENT_BUFFER", Range(0, 65536, true),
          "events a subscriber may fall behind before it lags (and that Last-Event-ID can replay)"),
      KEY(ipc.event_buffer_bytes, "IPC_EVENT_BUFFER_BYTES", Range(64 * 1024, 256 * kMiB),
          "most bytes of events held for subscribers; the oldest go first"),
      KEY(ipc.pipe_bytes, "IPC_PIPE_BYTES", Range(0, kMiB), "worker's stdin pipe; small: a hung worker fills the ring"),
      KEY(audio.buffer_seconds, "AUDIO_BUFFER_SECONDS", Range(0.5, 60), "the ring; full = the recording stops"),
      KEY(audio.replay_seconds, "AUDIO_REPLAY_SECONDS", Range(0, 600), "unacked audio replayed after a restart"),
      KEY(audio.flush_timeout_ms, "AUDIO_FLUSH_TIMEOUT_MS", kTimeoutMs, "a stop waits this long for the last final"),
      KEY(audio.max_recordings, "AUDIO_MAX_RECORDINGS", Range(1, 256),
          "recordings at once over every door; more wait in one first-in first-out queue"),
      KEY(audio.file_dirs, "AUDIO_FILE_DIRS", kAny,
          "absolute directories whose regular files a file recording may open (symlinks followed); "
          "empty = the recording API opens no files"),
      KEY(http.allowed_hosts, "HTTP_ALLOWED_HOSTS", kAny, "Host values accepted besides loopback names"),
      KEY(http.allowed_origins, "HTTP_ALLOWED_ORIGINS", kAny, "Origins accepted besides the daemon's own"),
      KEY(openai.max_upload_mb, "OPENAI_MAX_UPLOAD_MB", Range(1, 1024), "largest POST /v1/audio/transcriptions upload, MB"),
      KEY(openai.upload_budget_mb, "OPENAI_UPLOAD_BUDGET_MB", Range(1, 65536),
          "most MB of transcription uploads buffered at once; past it a new one is answered 503"),
      KEY(openai.queue_timeout_ms, "OPENAI_QUEUE_TIMEOUT_MS", kTimeoutMs,
          "a transcription waits this long for a recording slot (audio.max_recordings), then 503"),
      KEY(log.level, "LOG_LEVEL", kAny, "trace, debug, info, warn or error"),
      KEY(wyoming.listen, "WYOMING_LISTEN", kAny, "Wyoming listener: tcp://HOST:PORT or unix://PATH; empty = off"),
      KEY(wyoming.allow_remote, "WYOMING_ALLOW_REMOTE", kAny, "allow a non-loopback Wyoming address (it has no auth)"),
      KEY(wyoming.queue_timeout_ms, "WYOMING_QUEUE_TIMEOUT_MS", kTimeoutMs,
          "a Wyoming client waits this long for a recording slot (audio.max_recordings), then an error"),
      KEY(wyoming.idle_timeout_ms, "WYOMING_IDLE_TIMEOUT_MS", kTimeoutMs,
          "a Wyoming connection outside a transcription that sends nothing (or reads nothing) this long is closed"),
      KEY(wyoming.read_timeout_ms, "WYOMING_READ_TIMEOUT_MS", kTimeoutMs,
          "mid-transcription, no audio for this long ends the turn with an error"),
      KEY(shutdown.drain_ms, "SHUTDOWN_DRAIN_MS", Range(0, 3600000),
          "on SIGTERM, new work is refused and running recordings may finish for this long; 0 = stop at once"),
      KEY(stt.engine, "STT_ENGINE", kAny, "speech-to-text engine: faster-whisper or moonshine"),
      KEY(stt.model, "STT_MODEL", kAny,
          "a catalog name (tiny.en, base, moonshine-base-en; GET /v1/models lists what is installed) or a "
          "model directory; empty = the engine's default"),
      KEY(stt.language, "STT_LANGUAGE", kAny, "language code (en, fr, de, ...) or auto; a request may name its own"),
      KEY(stt.task, "STT_TASK", kAny, "transcribe, or translate (into English; multilingual Whisper models)"),
      KEY(stt.beam_size, "STT_BEAM_SIZE", Range(1, 20), "beam width of finals"),
      KEY(stt.partial_beam_size, "STT_PARTIAL_BEAM_SIZE", Range(1, 20), "beam width of partials (1 = greedy)"),
      KEY(stt.compute_type, "STT_COMPUTE_TYPE", kAny,
          "CTranslate2 compute type: int8, int8_float16, int8_float32, int16, float16, float32, default or auto"),
      KEY(stt.device, "STT_DEVICE", kAny, "cpu, cuda, or auto (cuda if a GPU is usable, else cpu with a warning)"),
      KEY(stt.cpu_threads, "STT_CPU_THREADS", Range(0, 256), "inference threads; 0 = min(4, cores)"),
      KEY(stt.initial_prompt, "STT_INITIAL_PROMPT", kAny, "text the decoder continues from: names, spellings, style"),
      KEY(stt.hotwords, "STT_HOTWORDS", kAny, "words the decoder should favour (faster-whisper)"),
      KEY(stt.word_timestamps, "STT_WORD_TIMESTAMPS", kAny, "per-word times in final_text, verbose_json and subtitles"),
      KEY(stt.vad.end_silence_ms, "STT_VAD_END_SILENCE_MS", Range(90, 5000), "silence that ends an utterance"),
      KEY(control_timeout_ms, "CONTROL_TIMEOUT_MS", kTimeoutMs, "a control call waits this beyond the worker's"),
  };
  std::sort(t.begin(), t.end(), [](const KeyDef& a, const KeyDef& b) { return a.key < b.key; });
  return t;
}

#undef KEY

bool named(const std::string& name, const std::vector<std::string>& aliases, std::string_view n) {
  return name == n || std::find(aliases.begin(), aliases.end(), n) != aliases.end();
}

}  // namespace

const std::vector<KeyDef>& config_keys() {
  static const std::vector<KeyDef> table = build_table();
  return table;
}

const KeyDef* find_key(std::string_view dotted) {
  for (const KeyDef& k : config_keys()) {
    if (named(k.key, k.key_aliases, dotted)) return &k;
  }
  return nullptr;
}

const KeyDef* find_env_key(std::string_view env_name) {
  for (const KeyDef& k : config_keys()) {
    if (!env_name.empty() && named(k.env, k.env_aliases, env_name)) return &k;
  }
  return nullptr;
}

std::string did_you_mean(std::string_view dotted) {
  const std::string_view leaf = dotted.substr(dotted.rfind('.') == std::string_view::npos ? 0 : dotted.rfind('.') + 1);
  std::vector<std::string> close;
  for (const KeyDef& k : config_keys()) {
    if (k.key != dotted && (k.key == leaf || k.key.ends_with("." + std::string(leaf)))) close.push_back(k.key);
  }
  if (close.empty()) return "";
  std::string out = " (did you mean ";
  for (size_t i = 0; i < close.size(); ++i) out += (i ? " or " : "") + close[i];
  return out + "?)";
}

bool is_section(std::string_view dotted) {
  const std::string prefix = std::string(dotted) + ".";
  return std::any_of(config_keys().begin(), config_keys().end(), [&](const KeyDef& k) {
    return k.key.starts_with(prefix) ||
           std::any_of(k.key_aliases.begin(), k.key_aliases.end(),
                       [&](const std::string& a) { return a.starts_with(prefix); });
  });
}

const std::vector<std::string>& supervisor_only_env_names() {
  static const std::vector<std::string> names = {
      env("ENABLED"),       env("REQUIRED"),       env("MANAGE_WORKER"),  env("COMMAND"),
      env("START_TIMEOUT"), env("HEALTH_TIMEOUT"), env("CONTROL_TIMEOUT"),
  };
  return names;
}

}  // namespace vs::config_detail
