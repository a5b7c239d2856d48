#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "config/load_config.h"
#include "config_test_util.h"

namespace vs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_config::config_error;
using testing_config::TempDir;

constexpr const char* kFullYaml = R"(
listen:
  network: unix
  address: /run/voice/sidecar.sock
  socket_mode: "0660"
  body_limit_bytes: 4096
  read_timeout_ms: 2000
auth:
  token: abc123
pressure:
  fail_closed: no
  min_available_memory_mb: 512.5
  max_memory_percent: 70
  max_cpu_percent: 95
  max_psi_some_avg10: 10
  monitor_interval_ms: 500
  sample_timeout_ms: 400
  reopen_after_samples: 5
  proc_root: /tmp/proc
  cgroup_root: /tmp/cgroup
worker:
  command: ["/usr/bin/python3", "-m", "my worker"]
  working_dir: /srv/worker
  env:
    HF_HUB_OFFLINE: "1"
    OMP_NUM_THREADS: 2
  auto_start: on
  auto_recover: off
  stop_on_pressure: false
  resume_on_recovery: FALSE
  start_timeout_ms: 20000
  stop_timeout_ms: 3000
  kill_timeout_ms: 1000
  ping_interval_ms: 700
  ping_timeout_ms: 900
  ping_failure_limit: 4
  health_url: http://127.0.0.1:9000/health
  startup_poll_ms: 100
backoff:
  initial_ms: 200
  max_ms: 2000
  multiplier: 1.5
  jitter: 0
  stable_after_ms: 10000
  max_restarts: 0
  restart_window_ms: 60000
ipc:
  sink_queue_frames: 10
  pipe_bytes: 8192
  max_line_bytes: 65536
  event_buffer: 16
  event_buffer_bytes: 100000
audio:
  buffer_seconds: 2.5
  replay_seconds: 10
  flush_timeout_ms: 3000
  max_recordings: 6
  file_dirs: [/srv/audio]
http:
  allowed_hosts: [voice.lan]
  allowed_origins: ["http://localhost:3000"]
wyoming:
  listen: tcp://127.0.0.1:10300
  allow_remote: true
  queue_timeout_ms: 1500
  idle_timeout_ms: 2500
  read_timeout_ms: 750
openai:
  max_upload_mb: 7
  upload_budget_mb: 300
  queue_timeout_ms: 4500
log:
  level: debug
shutdown:
  drain_ms: 1500
stt:
  engine: moonshine
  model: base
  language: fr
  task: translate
  beam_size: 4
  partial_beam_size: 2
  compute_type: float32
  device: auto
  cpu_threads: 3
  initial_prompt: "Anaïs, Zoë"
  hotwords: Kubernetes
  word_timestamps: true
  vad:
    end_silence_ms: 300
control_timeout_ms: 9000
)";

void expect_full(const LoadedConfig& loaded, const std::string& path) {
  const Config& c = loaded.config;
  EXPECT_EQ(c.listen.network, "unix");
  EXPECT_EQ(c.listen.address, "/run/voice/sidecar.sock");
  EXPECT_EQ(c.listen.socket_mode, 0660u);
  EXPECT_EQ(c.listen.body_limit_bytes, 4096);
  EXPECT_EQ(c.listen.read_timeout_ms, 2000);
  EXPECT_EQ(c.auth.token, "abc123");
  EXPECT_FALSE(c.pressure.fail_closed);
  EXPECT_EQ(c.pressure.min_available_memory_mb, 512.5);
  EXPECT_EQ(c.pressure.max_memory_percent, 70);
  EXPECT_EQ(c.pressure.max_cpu_percent, 95);
  EXPECT_EQ(c.pressure.max_psi_some_avg10, 10);
  EXPECT_EQ(c.pressure.monitor_interval_ms, 500);
  EXPECT_EQ(c.pressure.sample_timeout_ms, 400);
  EXPECT_EQ(c.pressure.reopen_after_samples, 5);
  EXPECT_EQ(c.pressure.proc_root, "/tmp/proc");
  EXPECT_EQ(c.pressure.cgroup_root, "/tmp/cgroup");
  EXPECT_THAT(c.worker.command, ElementsAre("/usr/bin/python3", "-m", "my worker"));
  EXPECT_EQ(c.worker.working_dir, "/srv/worker");
  EXPECT_EQ(c.worker.env, (std::map<std::string, std::string>{{"HF_HUB_OFFLINE", "1"},
                                                             {"OMP_NUM_THREADS", "2"}}));
  EXPECT_TRUE(c.worker.auto_start);
  EXPECT_FALSE(c.worker.auto_recover);
  EXPECT_FALSE(c.worker.stop_on_pressure);
  EXPECT_FALSE(c.worker.resume_on_recovery);
  EXPECT_EQ(c.worker.start_timeout_ms, 20000);
  EXPECT_EQ(c.worker.stop_timeout_ms, 3000);
  EXPECT_EQ(c.worker.kill_timeout_ms, 1000);
  EXPECT_EQ(c.worker.ping_interval_ms, 700);
  EXPECT_EQ(c.worker.ping_timeout_ms, 900);
  EXPECT_EQ(c.worker.ping_failure_limit, 4);
  EXPECT_EQ(c.worker.health_url, "http://127.0.0.1:9000/health");
  EXPECT_EQ(c.worker.startup_poll_ms, 100);
  EXPECT_EQ(c.backoff.initial_ms, 200);
  EXPECT_EQ(c.backoff.max_ms, 2000);
  EXPECT_EQ(c.backoff.multiplier, 1.5);
  EXPECT_EQ(c.backoff.jitter, 0);
  EXPECT_EQ(c.backoff.stable_after_ms, 10000);
  EXPECT_EQ(c.backoff.max_restarts, 0);
  EXPECT_EQ(c.backoff.restart_window_ms, 60000);
  EXPECT_EQ(c.ipc.sink_queue_frames, 10);
  EXPECT_EQ(c.ipc.max_line_bytes, 65536);
  EXPECT_EQ(c.ipc.event_buffer, 16);
  EXPECT_EQ(c.ipc.pipe_bytes, 8192);
  EXPECT_EQ(c.ipc.event_buffer_bytes, 100000);
  EXPECT_EQ(c.audio.buffer_seconds, 2.5);
  EXPECT_EQ(c.audio.replay_seconds, 10);
  EXPECT_EQ(c.audio.flush_timeout_ms, 3000);
  EXPECT_EQ(c.audio.max_recordings, 6);
  EXPECT_EQ(c.audio.file_dirs, std::vector<std::string>{"/srv/audio"});
  EXPECT_EQ(c.http.allowed_hosts, std::vector<std::string>{"voice.lan"});
  EXPECT_EQ(c.http.allowed_origins, std::vector<std::string>{"http://localhost:3000"});
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.openai.max_upload_mb, 7);
  EXPECT_EQ(c.openai.upload_budget_mb, 300);
  EXPECT_EQ(c.openai.queue_timeout_ms, 4500);
  EXPECT_EQ(c.control_timeout_ms, 9000);
  EXPECT_EQ(c.shutdown.drain_ms, 1500);
  EXPECT_EQ(c.stt.engine, "moonshine");
  EXPECT_EQ(c.stt.model, "base");
  EXPECT_EQ(c.stt.language, "fr");
  EXPECT_EQ(c.stt.task, "translate");
  EXPECT_EQ(c.stt.beam_size, 4);
  EXPECT_EQ(c.stt.partial_beam_size, 2);
  EXPECT_EQ(c.stt.compute_type, "float32");
  EXPECT_EQ(c.stt.device, "auto");
  EXPECT_EQ(c.stt.cpu_threads, 3);
  EXPECT_EQ(c.stt.initial_prompt, "Anaïs, Zoë");
  EXPECT_EQ(c.stt.hotwords, "Kubernetes");
  EXPECT_TRUE(c.stt.word_timestamps);
  EXPECT_EQ(c.stt.vad.end_silence_ms, 300);
  for (const auto& [key, origin] : loaded.origins) {
    if (key == "auth.token_file") continue;  // cannot go with auth.token, set above: token_file_test.cc
    EXPECT_EQ(origin, "file " + path) << key;
  }
}

TEST(ConfigFile, YamlSetsEveryKey) {
  TempDir dir;
  const std::string path = dir.write("full.yaml", kFullYaml);
  ConfigSources src;
  src.file = path;
  expect_full(load_config(src), path);
}

TEST(ConfigFile, JsonSetsEveryKey) {
  TempDir dir;
  const std::string path = dir.write("full.json", R"({
    "listen": {"network": "unix", "address": "/run/voice/sidecar.sock", "socket_mode": 432,
               "body_limit_bytes": 4096, "read_timeout_ms": 2000},
    "auth": {"token": "abc123"},
    "pressure": {"fail_closed": false, "min_available_memory_mb": 512.5,
                 "max_memory_percent": 70, "max_cpu_percent": 95, "max_psi_some_avg10": 10,
                 "monitor_interval_ms": 500, "sample_timeout_ms": 400,
                 "reopen_after_samples": 5, "proc_root": "/tmp/proc",
                 "cgroup_root": "/tmp/cgroup"},
    "worker": {"command": ["/usr/bin/python3", "-m", "my worker"], "working_dir": "/srv/worker",
               "env": {"HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": 2},
               "auto_start": true, "auto_recover": "off", "stop_on_pressure": false,
               "resume_on_recovery": false, "start_timeout_ms": 20000,
               "stop_timeout_ms": 3000, "kill_timeout_ms": 1000, "ping_interval_ms": 700,
               "ping_timeout_ms": 900, "ping_failure_limit": 4,
               "health_url": "http://127.0.0.1:9000/health", "startup_poll_ms": 100},
    "backoff": {"initial_ms": 200, "max_ms": 2000, "multiplier": 1.5, "jitter": 0,
                "stable_after_ms": 10000, "max_restarts": 0, "restart_window_ms": 60000},
    "ipc": {"sink_queue_frames": 10, "pipe_bytes": 8192, "max_line_bytes": 65536, "event_buffer": 16,
            "event_buffer_bytes": 100000},
    "audio": {"buffer_seconds": 2.5, "replay_seconds": 10, "flush_timeout_ms": 3000, "max_recordings": 6, "file_dirs": ["/srv/audio"]},
    "http": {"allowed_hosts": ["voice.lan"], "allowed_origins": ["http://localhost:3000"]},
    "wyoming": {"listen": "unix:///tmp/wy.sock", "allow_remote": false, "queue_timeout_ms": 1500,
                "idle_timeout_ms": 2500, "read_timeout_ms": 750},
    "openai": {"max_upload_mb": 7, "upload_budget_mb": 300, "queue_timeout_ms": 4500},
    "log": {"level": "debug"},
    "shutdown": {"drain_ms": 1500},
    "stt": {"engine": "moonshine", "model": "base", "language": "fr", "task": "translate", "beam_size": 4,
            "partial_beam_size": 2, "compute_type": "float32", "device": "auto", "cpu_threads": 3,
            "initial_prompt": "Anaïs, Zoë", "hotwords": "Kubernetes", "word_timestamps": true,
            "vad": {"end_silence_ms": 300}},
    "control_timeout_ms": 9000
  })");
  ConfigSources src;
  src.file = path;
  expect_full(load_config(src), path);  // 432 decimal == 0660
}

TEST(ConfigFile, SocketModeAsUnquotedOctalOrInteger) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.write("a.yaml", "listen:\n  socket_mode: 0640\n");
  EXPECT_EQ(load_config(src).config.listen.socket_mode, 0640u);
  src.file = dir.write("b.yaml", "listen:\n  socket_mode: 384\n");
  EXPECT_EQ(load_config(src).config.listen.socket_mode, 0600u);
  src.file = dir.write("c.yaml", "listen:\n  socket_mode: 0o600\n");
  EXPECT_EQ(load_config(src).config.listen.socket_mode, 0600u);
  src.file = dir.write("d.yaml", "listen:\n  socket_mode: \"0689\"\n");
  EXPECT_EQ(config_error([&] { load_config(src); }).key(), "listen.socket_mode");
}

TEST(ConfigFile, EmptyYamlChangesNothing) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.write("empty.yaml", "# nothing here\n");
  const LoadedConfig loaded = load_config(src);
  EXPECT_EQ(loaded.config.listen.address, "127.0.0.1:9860");
  EXPECT_EQ(loaded.origins.at("listen.address"), "default");
}

TEST(ConfigFile, ReferenceAliases) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.write("ref.yaml", R"(
worker:
  startup_health_wait_ms: 12000
  health_timeout_ms: 800
  health_failure_limit: 6
  startup_health_poll_ms: 50
  health_url: http://127.0.0.1:8000/health
)");
  const LoadedConfig loaded = load_config(src);
  EXPECT_EQ(loaded.config.worker.start_timeout_ms, 12000);
  EXPECT_EQ(loaded.config.worker.ping_timeout_ms, 800);
  EXPECT_EQ(loaded.config.worker.ping_failure_limit, 6);
  EXPECT_EQ(loaded.config.worker.startup_poll_ms, 50);
  EXPECT_EQ(loaded.config.worker.health_url, "http://127.0.0.1:8000/health");
  EXPECT_EQ(loaded.origins.at("worker.start_timeout_ms"), "file " + *src.file);
  EXPECT_EQ(loaded.origins.count("worker.startup_health_wait_ms"), 0u);
}

TEST(ConfigFile, AliasAgreeingWithItsKeyIsFineContradictingIsAnError) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.write("same.yaml",
                       "worker:\n  start_timeout_ms: 9000\n  startup_health_wait_ms: 9000\n");
  EXPECT_EQ(load_config(src).config.worker.start_timeout_ms, 9000);
  src.file = dir.write("diff.yaml",
                       "worker:\n  start_timeout_ms: 9000\n  startup_health_wait_ms: 8000\n");
  const ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), "worker.startup_health_wait_ms");
  EXPECT_THAT(e.what(), HasSubstr("worker.start_timeout_ms"));
}

TEST(ConfigFile, DuplicateKeyWithDifferentValues) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.write("dup.yaml", "log:\n  level: info\nlog:\n  level: debug\n");
  const ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), "log.level");
  EXPECT_THAT(e.what(), HasSubstr("given twice"));
  EXPECT_THAT(e.what(), HasSubstr("line 4"));
}

TEST(ConfigFile, UnknownKeyNamesTheFullDottedPath) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.write("typo.yaml", "worker:\n  auto_startt: true\n");
  ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), "worker.auto_startt");
  EXPECT_THAT(e.what(), HasSubstr("unknown configuration key"));
  EXPECT_THAT(e.what(), HasSubstr("line 2"));

  src.file = dir.write("top.yaml", "listne:\n  address: x\n");
  EXPECT_EQ(config_error([&] { load_config(src); }).key(), "listne");

  src.file = dir.write("deep.json", R"({"backoff": {"jitter": 0.1, "foo": {"bar": 1}}})");
  EXPECT_EQ(config_error([&] { load_config(src); }).key(), "backoff.foo");
}

TEST(ConfigFile, WrongShapes) {
  TempDir dir;
  ConfigSources src;
  struct Case {
    const char* text;
    const char* key;
    const char* message;
  };
  const Case cases[] = {
      {"worker:\n  command: python -m voice_worker\n", "worker.command", "a list of strings"},
      {"worker:\n  command: [python, [x]]\n", "worker.command", "a list holding a list"},
      {"worker:\n  env: [A, B]\n", "worker.env", "a map of strings"},
      {"listen:\n  address: [a, b]\n", "listen.address", "expected a string, got a list"},
      {"listen: tcp\n", "listen", "expected a section"},
      {"pressure:\n  max_cpu_percent: lots\n", "pressure.max_cpu_percent", "got \"lots\""},
      {"backoff:\n  initial_ms: 1.5\n", "backoff.initial_ms", "expected an integer"},
      {"backoff:\n  initial_ms:\n", "backoff.initial_ms", "got \"\""},
      {"worker:\n  auto_start: maybe\n", "worker.auto_start", "expected a boolean"},
  };
  int n = 0;
  for (const Case& c : cases) {
    src.file = dir.write("shape" + std::to_string(n++) + ".yaml", c.text);
    const ConfigError e = config_error([&] { load_config(src); });
    EXPECT_EQ(e.key(), c.key) << c.text;
    EXPECT_THAT(e.what(), HasSubstr(c.message)) << c.text;
  }
}

TEST(ConfigFile, JsonWrongShapes) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.write("a.json", R"({"worker": {"command": "python"}})");
  EXPECT_EQ(config_error([&] { load_config(src); }).key(), "worker.command");
  src.file = dir.write("b.json", R"({"worker": {"auto_start": 1.5}})");
  EXPECT_EQ(config_error([&] { load_config(src); }).key(), "worker.auto_start");
  src.file = dir.write("c.json", R"({"listen": {"address": {"host": "x"}}})");
  EXPECT_EQ(config_error([&] { load_config(src); }).key(), "listen.address");
  src.file = dir.write("d.json", R"([1, 2])");
  EXPECT_EQ(config_error([&] { load_config(src); }).key(), *src.file);
}

TEST(ConfigFile, MissingUnreadableUnparsableNameThePath) {
  TempDir dir;
  ConfigSources src;
  src.file = dir.path("nope.yaml");
  ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), *src.file);
  EXPECT_THAT(e.what(), HasSubstr("not found"));

  src.file = dir.path("");  // the directory itself
  EXPECT_THAT(config_error([&] { load_config(src); }).what(), HasSubstr("directory"));

  src.file = dir.write("bad.yaml", "worker:\n  command: [a, b\nlog: {\n");
  e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), *src.file);
  EXPECT_THAT(e.what(), HasSubstr("cannot parse YAML at line"));

  src.file = dir.write("bad2.yaml", "listen:\n  address: x\n   network: tcp\n");
  e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), *src.file);
  EXPECT_THAT(e.what(), HasSubstr("line 3"));

  src.file = dir.write("bad.json", "{\n\"listen\": {,}\n}");
  e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), *src.file);
  EXPECT_THAT(e.what(), HasSubstr("line 2"));

  src.file = dir.write("list.yaml", "- a\n- b\n");
  EXPECT_EQ(config_error([&] { load_config(src); }).key(), *src.file);

  if (geteuid() != 0) {  // root reads anything
    src.file = dir.write("secret.yaml", "log:\n  level: info\n");
    std::filesystem::permissions(*src.file, std::filesystem::perms::none);
    e = config_error([&] { load_config(src); });
    EXPECT_EQ(e.key(), *src.file);
    EXPECT_THAT(e.what(), HasSubstr("cannot read"));
  }
}

}  // namespace
}  // namespace vs

namespace vs {
namespace {

// The shipped example must load, and say exactly the defaults.
TEST(ConfigFile, ExampleFileIsTheDefaults) {
  ConfigSources src;
  src.file = std::string(VS_SOURCE_DIR) + "/config/voice_sidecar.example.yaml";
  const LoadedConfig loaded = load_config(src);
  const LoadedConfig defaults = load_config(ConfigSources{});
  std::string a = describe_config(loaded), b = describe_config(defaults);
  // Same values; only the origins differ.
  auto values = [](const std::string& text) {
    std::string out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out += line.substr(0, line.find("  ")) + "\n";
    return out;
  };
  EXPECT_EQ(values(a), values(b));
}

}  // namespace
}  // namespace vs
