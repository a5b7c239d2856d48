// Config is the daemon's whole effective configuration (DESIGN.md §6), one plain value.
//
// It is built by load_config() from four layers — built-in defaults < YAML/JSON file <
// JARVIS_VOICE_SIDECAR_* environment < command-line flags — and every field remembers where its
// value came from, so `voice-sidecar check-config` can show it. The YAML keys and env names are
// the reference control plane's (shared/reference/go-sidecar.md); the supervisor's
// TRANSPORT/BASE_URL/SOCKET are accepted as well, so one environment configures both sides.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vs {

struct ListenConfig {
  std::string network = "tcp";              // "tcp" or "unix"
  std::string address = "127.0.0.1:9860";   // host:port for tcp, a path for unix
  unsigned socket_mode = 0600;              // permissions of the Unix socket file
  int body_limit_bytes = 64 * 1024;         // control request bodies
  int read_timeout_ms = 10000;              // a request must arrive completely within this
};

struct AuthConfig {
  std::string token;       // when set, every endpoint but /v1/health needs "Bearer <token>"
  std::string token_file;  // read into `token` at load time (owner-only file; token_file.h)
};

struct PressureConfig {
  bool fail_closed = true;                 // an unreadable/unparsable/stale sample closes the gate
  double min_available_memory_mb = 2048;   // below this MemAvailable the gate closes
  double max_memory_percent = 85;          // above this used memory (of MemTotal or cgroup max)
  double max_cpu_percent = 90;             // above this CPU utilisation new starts are refused
  double max_psi_some_avg10 = 0;           // memory PSI "some avg10" limit; 0 = not checked
  int monitor_interval_ms = 1000;          // how often the gate samples
  int sample_timeout_ms = 800;             // a sample older than interval+this is stale
  int reopen_after_samples = 3;            // good samples in a row before a closed gate reopens
  std::string proc_root = "/proc";         // where meminfo, stat and pressure/memory are read
  std::string cgroup_root = "/sys/fs/cgroup";  // cgroup v2 mount: own cgroup's and ancestors' limits
};

struct WorkerConfig {
  // argv of the worker; empty means the bundled worker: <venv>/bin/python -m voice_worker.
  std::vector<std::string> command;
  std::string working_dir;
  std::map<std::string, std::string> env;  // added to the daemon's environment
  bool auto_start = false;          // the daemon wants the worker running from the start
  bool auto_recover = true;         // restart after a crash (with backoff)
  bool stop_on_pressure = true;     // stop the worker when the gate closes on memory pressure
  bool resume_on_recovery = true;   // start it again when that pressure ends
  // Spawn → "ready" line; longer counts as a crash. Loading tiny.en takes ~3 s on an idle 2-core
  // machine and over 5 s with both cores busy: 30 s leaves room for a loaded machine (the Go
  // reference had 15 s).
  int start_timeout_ms = 30000;
  int stop_timeout_ms = 5000;       // "shutdown" line → SIGTERM to the group
  int kill_timeout_ms = 2000;       // SIGTERM → SIGKILL to the group
  int ping_interval_ms = 1000;      // liveness ping period while running
  int ping_timeout_ms = 1500;       // a ping without pong for this long is a missed ping
  int ping_failure_limit = 3;       // missed pings in a row that count as a hang (a crash)
  std::string health_url;           // accepted for compatibility; liveness uses ping/pong
  int startup_poll_ms = 250;        // accepted for compatibility; no effect (ready is a line)
};

struct BackoffConfig {
  int initial_ms = 1000;
  int max_ms = 30000;
  double multiplier = 2.0;
  double jitter = 0.2;              // each delay is scaled by a factor in [1-jitter, 1+jitter]
  int stable_after_ms = 60000;      // this long running and ready resets the exponent
  int max_restarts = 5;             // crash restarts allowed within restart_window_ms ...
  int restart_window_ms = 300000;   // ... before the worker is marked failed
};

struct IpcConfig {
  // Small, with the pipe: a hung worker must fill the ring (and trip its 5 s stop), not these.
  int sink_queue_frames = 8;        // frames queued for the writer thread (80 ms of audio)
  int pipe_bytes = 4096;            // the worker's stdin pipe size (F_SETPIPE_SZ)
  int max_line_bytes = 1 << 20;     // longer lines from the worker are counted and skipped
  int event_buffer = 1024;          // events a subscriber may fall behind before it lags
  int event_buffer_bytes = 16 << 20;  // ... and at most this many bytes of them are held
};

struct AudioConfig {
  double buffer_seconds = 5;        // the ring between a source and the pump (5 s = 160,000 bytes)
  double replay_seconds = 30;       // sent but unacknowledged audio kept for a restarted worker
  int flush_timeout_ms = 15000;     // a stop waits this long for the worker's last final
  int max_recordings = 8;           // recordings at once (what 2 cores carry at p95 <= 1.5 s); more wait
  std::vector<std::string> file_dirs;  // file recordings open only regular files under these
};

struct HttpConfig {
  std::vector<std::string> allowed_hosts;    // Host values accepted besides loopback names
  std::vector<std::string> allowed_origins;  // Origins accepted besides the daemon's own
};

// The Wyoming listener (Home Assistant's speech protocol), off unless `listen` is set.
struct WyomingConfig {
  std::string listen;               // "" = off; "tcp://HOST:PORT" or "unix://PATH"
  bool allow_remote = false;        // Wyoming has no auth: a non-loopback address needs this
  int queue_timeout_ms = 30000;     // a connection waits this long for the one recording slot
  int idle_timeout_ms = 30000;      // a connection outside a transcription that sends nothing is closed
  int read_timeout_ms = 5000;       // mid-transcription, audio must keep coming: a gap this long ends the turn
};

// The OpenAI-compatible POST /v1/audio/transcriptions.
struct OpenAiConfig {
  int max_upload_mb = 25;           // larger uploads are answered 413 (OpenAI's own limit is 25 MB)
  int upload_budget_mb = 100;       // all uploads buffered at once; past it 503
  int queue_timeout_ms = 30000;     // an upload waits this long for a recording slot, then 503
};

struct ShutdownConfig {
  int drain_ms = 20000;             // on SIGTERM, running recordings may finish for this long; 0 = stop at once
};

// Speech to text: what the worker loads and how it decodes. The worker gets these as
// VOICE_WORKER_* variables at each start (supervision/stt_environment.h), so a reload applies
// at the next worker start; a recording may still ask for its own model and language.
struct SttVadConfig {
  int end_silence_ms = 500;         // silence that ends an utterance (its final follows)
};

struct SttConfig {
  std::string engine = "faster-whisper";  // faster-whisper or moonshine
  std::string model;                // a catalog name or a model directory; "" = the engine's default
  std::string language = "auto";   // a language code, or auto (detected; an English-only model: en)
  std::string task = "transcribe";  // or translate (to English, where the model can)
  int beam_size = 5;                // finals
  int partial_beam_size = 1;        // partials are previews: greedy
  std::string compute_type = "int8";
  std::string device = "cpu";       // cpu, cuda or auto (cuda when there is a GPU, else cpu)
  int cpu_threads = 0;              // 0 = min(4, cores)
  std::string initial_prompt;       // text the decoder continues from: names, spellings, style
  std::string hotwords;             // words to favour (faster-whisper)
  bool word_timestamps = false;     // per-word times in final_text (and verbose_json, subtitles)
  SttVadConfig vad;
};

struct LogConfig {
  std::string level = "info";       // trace, debug, info, warn, error
};

struct Config {
  ListenConfig listen;
  AuthConfig auth;
  PressureConfig pressure;
  WorkerConfig worker;
  BackoffConfig backoff;
  IpcConfig ipc;
  AudioConfig audio;
  HttpConfig http;
  LogConfig log;
  WyomingConfig wyoming;
  OpenAiConfig openai;
  ShutdownConfig shutdown;
  SttConfig stt;
  int control_timeout_ms = 5000;    // how long a control call waits beyond the worker's own timeouts
};

// Where a value came from: "default", "file <path>", "env <NAME>" or "flag --<name>".
using Origins = std::map<std::string, std::string>;  // dotted key -> origin

struct LoadedConfig {
  Config config;
  Origins origins;  // one entry per dotted key, e.g. "listen.address"
};

}  // namespace vs
