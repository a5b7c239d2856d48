#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/config_keys.h"
#include "config/load_config.h"
#include "config_test_util.h"

namespace vs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_config::config_error;
using testing_config::load_env;

const std::string P = "JARVIS_VOICE_SIDECAR_";

// The reference's env names (and ours) reach the right field.
struct EnvCase {
  std::string env;
  std::string value;
  std::string key;
  std::function<bool(const Config&)> holds;
};

class EnvNames : public ::testing::TestWithParam<EnvCase> {};

TEST_P(EnvNames, SetTheirKey) {
  const EnvCase& c = GetParam();
  const LoadedConfig loaded = load_env({{P + c.env, c.value}, {P + "TOKEN", "t"}});
  EXPECT_TRUE(c.holds(loaded.config)) << c.env;
  EXPECT_EQ(loaded.origins.at(c.key), "env " + P + c.env);
}

INSTANTIATE_TEST_SUITE_P(
    Reference, EnvNames,
    ::testing::Values(
        EnvCase{"NETWORK", "TCP", "listen.network",
                [](const Config& c) { return c.listen.network == "tcp"; }},
        EnvCase{"ADDRESS", "0.0.0.0:1234", "listen.address",
                [](const Config& c) { return c.listen.address == "0.0.0.0:1234"; }},
        EnvCase{"FAIL_CLOSED", "off", "pressure.fail_closed",
                [](const Config& c) { return !c.pressure.fail_closed; }},
        EnvCase{"MIN_MEM_MB", "1024", "pressure.min_available_memory_mb",
                [](const Config& c) { return c.pressure.min_available_memory_mb == 1024; }},
        EnvCase{"MAX_MEM_PERCENT", "50.5", "pressure.max_memory_percent",
                [](const Config& c) { return c.pressure.max_memory_percent == 50.5; }},
        EnvCase{"MAX_CPU_PERCENT", "100", "pressure.max_cpu_percent",
                [](const Config& c) { return c.pressure.max_cpu_percent == 100; }},
        EnvCase{"MONITOR_INTERVAL_MS", "250", "pressure.monitor_interval_ms",
                [](const Config& c) { return c.pressure.monitor_interval_ms == 250; }},
        EnvCase{"SAMPLE_TIMEOUT_MS", "300", "pressure.sample_timeout_ms",
                [](const Config& c) { return c.pressure.sample_timeout_ms == 300; }},
        EnvCase{"WORKER_COMMAND", "/opt/py \"-m\" voice_worker --x='a b'", "worker.command",
                [](const Config& c) {
                  return c.worker.command ==
                         std::vector<std::string>{"/opt/py", "-m", "voice_worker", "--x=a b"};
                }},
        EnvCase{"WORKER_DIR", "/srv", "worker.working_dir",
                [](const Config& c) { return c.worker.working_dir == "/srv"; }},
        EnvCase{"WORKER_AUTOSTART", "YES", "worker.auto_start",
                [](const Config& c) { return c.worker.auto_start; }},
        EnvCase{"WORKER_AUTORECOVER", "0", "worker.auto_recover",
                [](const Config& c) { return !c.worker.auto_recover; }},
        EnvCase{"STOP_ON_PRESSURE", "False", "worker.stop_on_pressure",
                [](const Config& c) { return !c.worker.stop_on_pressure; }},
        EnvCase{"WORKER_HEALTH_URL", "http://x/h", "worker.health_url",
                [](const Config& c) { return c.worker.health_url == "http://x/h"; }},
        EnvCase{"WORKER_HEALTH_TIMEOUT_MS", "700", "worker.ping_timeout_ms",
                [](const Config& c) { return c.worker.ping_timeout_ms == 700; }},
        EnvCase{"WORKER_HEALTH_FAILURE_LIMIT", "9", "worker.ping_failure_limit",
                [](const Config& c) { return c.worker.ping_failure_limit == 9; }},
        EnvCase{"WORKER_STARTUP_WAIT_MS", "30000", "worker.start_timeout_ms",
                [](const Config& c) { return c.worker.start_timeout_ms == 30000; }},
        EnvCase{"WORKER_STARTUP_POLL_MS", "75", "worker.startup_poll_ms",
                [](const Config& c) { return c.worker.startup_poll_ms == 75; }},
        EnvCase{"WORKER_STOP_TIMEOUT_MS", "1234", "worker.stop_timeout_ms",
                [](const Config& c) { return c.worker.stop_timeout_ms == 1234; }},
        EnvCase{"BACKOFF_INITIAL_MS", "5", "backoff.initial_ms",
                [](const Config& c) { return c.backoff.initial_ms == 5; }},
        EnvCase{"BACKOFF_MAX_MS", "6000", "backoff.max_ms",
                [](const Config& c) { return c.backoff.max_ms == 6000; }},
        EnvCase{"BACKOFF_MULTIPLIER", "1", "backoff.multiplier",
                [](const Config& c) { return c.backoff.multiplier == 1; }},
        EnvCase{"SHUTDOWN_DRAIN_MS", "0", "shutdown.drain_ms",
                [](const Config& c) { return c.shutdown.drain_ms == 0; }},
        EnvCase{"CONTROL_TIMEOUT_MS", "8000", "control_timeout_ms",
                [](const Config& c) { return c.control_timeout_ms == 8000; }}));

INSTANTIATE_TEST_SUITE_P(
    Ours, EnvNames,
    ::testing::Values(
        EnvCase{"TOKEN", "t", "auth.token", [](const Config& c) { return c.auth.token == "t"; }},
        EnvCase{"SOCKET_MODE", "0666", "listen.socket_mode",
                [](const Config& c) { return c.listen.socket_mode == 0666u; }},
        EnvCase{"BODY_LIMIT_BYTES", "100", "listen.body_limit_bytes",
                [](const Config& c) { return c.listen.body_limit_bytes == 100; }},
        EnvCase{"READ_TIMEOUT_MS", "100", "listen.read_timeout_ms",
                [](const Config& c) { return c.listen.read_timeout_ms == 100; }},
        EnvCase{"MAX_PSI_SOME_AVG10", "12.5", "pressure.max_psi_some_avg10",
                [](const Config& c) { return c.pressure.max_psi_some_avg10 == 12.5; }},
        EnvCase{"REOPEN_AFTER_SAMPLES", "1", "pressure.reopen_after_samples",
                [](const Config& c) { return c.pressure.reopen_after_samples == 1; }},
        EnvCase{"PROC_ROOT", "/fx/proc", "pressure.proc_root",
                [](const Config& c) { return c.pressure.proc_root == "/fx/proc"; }},
        EnvCase{"CGROUP_ROOT", "/fx/cg", "pressure.cgroup_root",
                [](const Config& c) { return c.pressure.cgroup_root == "/fx/cg"; }},
        EnvCase{"RESUME_ON_RECOVERY", "no", "worker.resume_on_recovery",
                [](const Config& c) { return !c.worker.resume_on_recovery; }},
        EnvCase{"WORKER_START_TIMEOUT_MS", "100", "worker.start_timeout_ms",
                [](const Config& c) { return c.worker.start_timeout_ms == 100; }},
        EnvCase{"WORKER_KILL_TIMEOUT_MS", "100", "worker.kill_timeout_ms",
                [](const Config& c) { return c.worker.kill_timeout_ms == 100; }},
        EnvCase{"PING_INTERVAL_MS", "100", "worker.ping_interval_ms",
                [](const Config& c) { return c.worker.ping_interval_ms == 100; }},
        EnvCase{"PING_TIMEOUT_MS", "100", "worker.ping_timeout_ms",
                [](const Config& c) { return c.worker.ping_timeout_ms == 100; }},
        EnvCase{"PING_FAILURE_LIMIT", "2", "worker.ping_failure_limit",
                [](const Config& c) { return c.worker.ping_failure_limit == 2; }},
        EnvCase{"BACKOFF_JITTER", "0.5", "backoff.jitter",
                [](const Config& c) { return c.backoff.jitter == 0.5; }},
        EnvCase{"BACKOFF_STABLE_AFTER_MS", "100", "backoff.stable_after_ms",
                [](const Config& c) { return c.backoff.stable_after_ms == 100; }},
        EnvCase{"MAX_RESTARTS", "7", "backoff.max_restarts",
                [](const Config& c) { return c.backoff.max_restarts == 7; }},
        EnvCase{"RESTART_WINDOW_MS", "100", "backoff.restart_window_ms",
                [](const Config& c) { return c.backoff.restart_window_ms == 100; }},
        EnvCase{"IPC_SINK_QUEUE_FRAMES", "8", "ipc.sink_queue_frames",
                [](const Config& c) { return c.ipc.sink_queue_frames == 8; }},
        EnvCase{"IPC_MAX_LINE_BYTES", "4096", "ipc.max_line_bytes",
                [](const Config& c) { return c.ipc.max_line_bytes == 4096; }},
        EnvCase{"IPC_EVENT_BUFFER", "8", "ipc.event_buffer",
                [](const Config& c) { return c.ipc.event_buffer == 8; }},
        EnvCase{"IPC_EVENT_BUFFER_BYTES", "100000", "ipc.event_buffer_bytes",
                [](const Config& c) { return c.ipc.event_buffer_bytes == 100000; }},
        EnvCase{"IPC_PIPE_BYTES", "8192", "ipc.pipe_bytes",
                [](const Config& c) { return c.ipc.pipe_bytes == 8192; }},
        EnvCase{"AUDIO_BUFFER_SECONDS", "2.5", "audio.buffer_seconds",
                [](const Config& c) { return c.audio.buffer_seconds == 2.5; }},
        EnvCase{"AUDIO_REPLAY_SECONDS", "10", "audio.replay_seconds",
                [](const Config& c) { return c.audio.replay_seconds == 10; }},
        EnvCase{"AUDIO_FLUSH_TIMEOUT_MS", "3000", "audio.flush_timeout_ms",
                [](const Config& c) { return c.audio.flush_timeout_ms == 3000; }},
        EnvCase{"AUDIO_MAX_RECORDINGS", "6", "audio.max_recordings",
                [](const Config& c) { return c.audio.max_recordings == 6; }},
        EnvCase{"AUDIO_FILE_DIRS", "/srv/audio '/home/me/voice notes'", "audio.file_dirs",
                [](const Config& c) {
                  return c.audio.file_dirs == std::vector<std::string>{"/srv/audio", "/home/me/voice notes"};
                }},
        EnvCase{"HTTP_ALLOWED_HOSTS", "voice.lan example.test:9860", "http.allowed_hosts",
                [](const Config& c) {
                  return c.http.allowed_hosts == std::vector<std::string>{"voice.lan", "example.test:9860"};
                }},
        EnvCase{"HTTP_ALLOWED_ORIGINS", "http://localhost:3000", "http.allowed_origins",
                [](const Config& c) {
                  return c.http.allowed_origins == std::vector<std::string>{"http://localhost:3000"};
                }},
        EnvCase{"LOG_LEVEL", "trace", "log.level",
                [](const Config& c) { return c.log.level == "trace"; }},
        EnvCase{"OPENAI_MAX_UPLOAD_MB", "2", "openai.max_upload_mb",
                [](const Config& c) { return c.openai.max_upload_mb == 2; }},
        EnvCase{"OPENAI_UPLOAD_BUDGET_MB", "50", "openai.upload_budget_mb",
                [](const Config& c) { return c.openai.upload_budget_mb == 50; }},
        EnvCase{"OPENAI_QUEUE_TIMEOUT_MS", "4500", "openai.queue_timeout_ms",
                [](const Config& c) { return c.openai.queue_timeout_ms == 4500; }},
        EnvCase{"WYOMING_LISTEN", "tcp://127.0.0.1:10300", "wyoming.listen",
                [](const Config& c) { return c.wyoming.listen == "tcp://127.0.0.1:10300"; }},
        EnvCase{"WYOMING_ALLOW_REMOTE", "true", "wyoming.allow_remote",
                [](const Config& c) { return c.wyoming.allow_remote; }},
        EnvCase{"WYOMING_QUEUE_TIMEOUT_MS", "1500", "wyoming.queue_timeout_ms",
                [](const Config& c) { return c.wyoming.queue_timeout_ms == 1500; }},
        EnvCase{"WYOMING_IDLE_TIMEOUT_MS", "2500", "wyoming.idle_timeout_ms",
                [](const Config& c) { return c.wyoming.idle_timeout_ms == 2500; }},
        EnvCase{"WYOMING_READ_TIMEOUT_MS", "750", "wyoming.read_timeout_ms",
                [](const Config& c) { return c.wyoming.read_timeout_ms == 750; }},
        EnvCase{"STT_ENGINE", "moonshine", "stt.engine", [](const Config& c) { return c.stt.engine == "moonshine"; }},
        EnvCase{"STT_MODEL", "base", "stt.model", [](const Config& c) { return c.stt.model == "base"; }},
        EnvCase{"STT_LANGUAGE", "de", "stt.language", [](const Config& c) { return c.stt.language == "de"; }},
        EnvCase{"STT_TASK", "translate", "stt.task", [](const Config& c) { return c.stt.task == "translate"; }},
        EnvCase{"STT_BEAM_SIZE", "2", "stt.beam_size", [](const Config& c) { return c.stt.beam_size == 2; }},
        EnvCase{"STT_PARTIAL_BEAM_SIZE", "2", "stt.partial_beam_size",
                [](const Config& c) { return c.stt.partial_beam_size == 2; }},
        EnvCase{"STT_COMPUTE_TYPE", "float32", "stt.compute_type",
                [](const Config& c) { return c.stt.compute_type == "float32"; }},
        EnvCase{"STT_DEVICE", "auto", "stt.device", [](const Config& c) { return c.stt.device == "auto"; }},
        EnvCase{"STT_CPU_THREADS", "3", "stt.cpu_threads", [](const Config& c) { return c.stt.cpu_threads == 3; }},
        EnvCase{"STT_INITIAL_PROMPT", "Zoë", "stt.initial_prompt",
                [](const Config& c) { return c.stt.initial_prompt == "Zoë"; }},
        EnvCase{"STT_HOTWORDS", "Kubernetes", "stt.hotwords",
                [](const Config& c) { return c.stt.hotwords == "Kubernetes"; }},
        EnvCase{"STT_WORD_TIMESTAMPS", "on", "stt.word_timestamps",
                [](const Config& c) { return c.stt.word_timestamps; }},
        EnvCase{"STT_VAD_END_SILENCE_MS", "300", "stt.vad.end_silence_ms",
                [](const Config& c) { return c.stt.vad.end_silence_ms == 300; }}));

TEST(EnvTable, EveryKeyWithAnEnvNameIsCoveredAbove) {
  // A reminder to add a case above when a key is added to the table.
  size_t with_env = 0;
  for (const auto& k : config_detail::config_keys()) with_env += !k.env.empty();
  EXPECT_EQ(with_env, 74u);  // TOKEN_FILE needs a real file: token_file_test.cc covers it
}

TEST(Env, UnknownPrefixedNameIsAnError) {
  const ConfigError e = config_error([] { load_env({{P + "MAX_MEM_PERCNT", "50"}}); });
  EXPECT_EQ(e.key(), P + "MAX_MEM_PERCNT");
  EXPECT_THAT(e.what(), HasSubstr("unknown"));
  // Even when empty: the name is the typo.
  EXPECT_EQ(config_error([] { load_env({{P + "NETWROK", ""}}); }).key(), P + "NETWROK");
}

TEST(Env, SupervisorOnlyNamesAreIgnored) {
  EXPECT_NO_THROW(load_env({{P + "ENABLED", "true"},
                            {P + "REQUIRED", "false"},
                            {P + "MANAGE_WORKER", "1"},
                            {P + "COMMAND", "voice-sidecar --config x"},
                            {P + "START_TIMEOUT", "10"},
                            {P + "HEALTH_TIMEOUT", "2.5"},
                            {P + "CONTROL_TIMEOUT", "5"}}));
}

TEST(Env, EmptyValueCountsAsUnset) {
  const LoadedConfig loaded = load_env({{P + "MAX_MEM_PERCENT", ""}, {P + "ADDRESS", ""}});
  EXPECT_EQ(loaded.config.pressure.max_memory_percent, 85);
  EXPECT_EQ(loaded.origins.at("pressure.max_memory_percent"), "default");
}

TEST(Env, BoolSpellings) {
  for (const char* yes : {"1", "true", "TRUE", "Yes", "on", "ON"}) {
    EXPECT_TRUE(load_env({{P + "WORKER_AUTOSTART", yes}}).config.worker.auto_start) << yes;
  }
  for (const char* no : {"0", "false", "False", "NO", "off", "Off"}) {
    EXPECT_FALSE(load_env({{P + "FAIL_CLOSED", no}}).config.pressure.fail_closed) << no;
  }
}

TEST(Env, BadBoolsNameTheKeyAndTheVariable) {
  for (const char* bad : {"2", "y", "n", "enabled", "true ", " true", "t", "-1"}) {
    const ConfigError e = config_error([&] { load_env({{P + "FAIL_CLOSED", bad}}); });
    EXPECT_EQ(e.key(), "pressure.fail_closed") << bad;
    EXPECT_THAT(e.what(), HasSubstr("expected a boolean")) << bad;
    EXPECT_THAT(e.what(), HasSubstr("env JARVIS_VOICE_SIDECAR_FAIL_CLOSED")) << bad;
  }
}

TEST(Env, StrictNumbers) {
  for (const char* bad : {"10ms", " 10", "10 ", "+10", "0x10", "1e3", "", "99999999999"}) {
    if (std::string(bad).empty()) continue;  // empty is unset
    const ConfigError e = config_error([&] { load_env({{P + "BACKOFF_INITIAL_MS", bad}}); });
    EXPECT_EQ(e.key(), "backoff.initial_ms") << bad;
    EXPECT_THAT(e.what(), HasSubstr("expected an integer")) << bad;
  }
  for (const char* bad : {"1.5x", "inf", "nan", "0x2", "1,5", "two"}) {
    const ConfigError e = config_error([&] { load_env({{P + "BACKOFF_MULTIPLIER", bad}}); });
    EXPECT_EQ(e.key(), "backoff.multiplier") << bad;
    EXPECT_THAT(e.what(), HasSubstr("expected a number")) << bad;
  }
}

TEST(Env, WorkerCommandQuotingErrors) {
  const ConfigError e = config_error([] { load_env({{P + "WORKER_COMMAND", "python 'oops"}}); });
  EXPECT_EQ(e.key(), "worker.command");
  EXPECT_THAT(e.what(), HasSubstr("unterminated"));
}

TEST(Env, AliasAndCanonicalNameMustAgree) {
  EXPECT_EQ(load_env({{P + "WORKER_START_TIMEOUT_MS", "100"},
                      {P + "WORKER_STARTUP_WAIT_MS", "100"}})
                .config.worker.start_timeout_ms,
            100);
  const ConfigError e = config_error([] {
    load_env({{P + "PING_TIMEOUT_MS", "100"}, {P + "WORKER_HEALTH_TIMEOUT_MS", "200"}});
  });
  EXPECT_THAT(e.what(), HasSubstr(P + "PING_TIMEOUT_MS"));
  EXPECT_THAT(e.what(), HasSubstr(P + "WORKER_HEALTH_TIMEOUT_MS"));
}

// ---- the supervisor's TRANSPORT / BASE_URL / SOCKET ----

TEST(SupervisorEnv, TransportUnixWithSocket) {
  const LoadedConfig l =
      load_env({{P + "TRANSPORT", "unix"}, {P + "SOCKET", "/run/jarvis/voice.sock"},
                {P + "BASE_URL", "http://localhost"}});
  EXPECT_EQ(l.config.listen.network, "unix");
  EXPECT_EQ(l.config.listen.address, "/run/jarvis/voice.sock");
  EXPECT_EQ(l.origins.at("listen.network"), "env " + P + "TRANSPORT");
  EXPECT_EQ(l.origins.at("listen.address"), "env " + P + "SOCKET");
}

TEST(SupervisorEnv, TransportUnixWithAddressOrBothAgreeing) {
  EXPECT_EQ(load_env({{P + "TRANSPORT", "unix"}, {P + "ADDRESS", "/a.sock"}})
                .config.listen.address,
            "/a.sock");
  EXPECT_EQ(load_env({{P + "TRANSPORT", "unix"}, {P + "ADDRESS", "/a.sock"},
                      {P + "SOCKET", "/a.sock"}})
                .config.listen.address,
            "/a.sock");
}

TEST(SupervisorEnv, NetworkUnixUsesSocketToo) {
  const LoadedConfig l = load_env({{P + "NETWORK", "unix"}, {P + "SOCKET", "/s.sock"}});
  EXPECT_EQ(l.config.listen.address, "/s.sock");
}

TEST(SupervisorEnv, SocketFromFileNetwork) {
  testing_config::TempDir dir;
  ConfigSources src;
  src.file = dir.write("u.yaml", "listen:\n  network: unix\n  address: /file.sock\n");
  src.env = {{P + "SOCKET", "/env.sock"}};
  EXPECT_EQ(load_config(src).config.listen.address, "/env.sock");
}

TEST(SupervisorEnv, TransportUnixWithoutSocketNamesSocket) {
  const ConfigError e = config_error([] { load_env({{P + "TRANSPORT", "unix"}}); });
  EXPECT_EQ(e.key(), P + "SOCKET");
  EXPECT_THAT(e.what(), HasSubstr("absolute socket path"));
}

TEST(SupervisorEnv, TransportHttpWithBaseUrl) {
  const LoadedConfig l = load_env({{P + "TRANSPORT", "http"},
                                   {P + "BASE_URL", "http://127.0.0.1:9999/"},
                                   {P + "SOCKET", "/ignored.sock"}});
  EXPECT_EQ(l.config.listen.network, "tcp");
  EXPECT_EQ(l.config.listen.address, "127.0.0.1:9999");
  EXPECT_EQ(l.origins.at("listen.address"), "env " + P + "BASE_URL");
}

TEST(SupervisorEnv, BaseUrlForms) {
  EXPECT_EQ(load_env({{P + "BASE_URL", "http://localhost:1"}}).config.listen.address,
            "localhost:1");
  EXPECT_EQ(load_env({{P + "BASE_URL", "http://[::1]:9860"}}).config.listen.address,
            "[::1]:9860");
  EXPECT_EQ(load_env({{P + "BASE_URL", "HTTP://127.0.0.1"}}).config.listen.address,
            "127.0.0.1:80");
  for (const char* bad : {"https://127.0.0.1:9860", "http://127.0.0.1:9860/v1",
                          "http://127.0.0.1:9860/?a=b", "127.0.0.1:9860", "http://u:p@h:1",
                          "http://"}) {
    const ConfigError e = config_error([&] { load_env({{P + "BASE_URL", bad}}); });
    EXPECT_EQ(e.key(), P + "BASE_URL") << bad;
  }
}

TEST(SupervisorEnv, BadTransport) {
  const ConfigError e = config_error([] { load_env({{P + "TRANSPORT", "grpc"}}); });
  EXPECT_EQ(e.key(), P + "TRANSPORT");
  EXPECT_THAT(e.what(), HasSubstr("http or unix"));
}

TEST(SupervisorEnv, ContradictionsNameBothKeys) {
  struct Case {
    std::map<std::string, std::string> env;
    std::string a, b;
  };
  const Case cases[] = {
      {{{P + "NETWORK", "tcp"}, {P + "TRANSPORT", "unix"}, {P + "SOCKET", "/x"}}, "NETWORK",
       "TRANSPORT"},
      {{{P + "NETWORK", "unix"}, {P + "TRANSPORT", "http"}}, "NETWORK", "TRANSPORT"},
      {{{P + "ADDRESS", "127.0.0.1:1"}, {P + "BASE_URL", "http://127.0.0.1:2"}}, "ADDRESS",
       "BASE_URL"},
      {{{P + "NETWORK", "unix"}, {P + "ADDRESS", "/a"}, {P + "SOCKET", "/b"}}, "ADDRESS",
       "SOCKET"},
  };
  for (const Case& c : cases) {
    const ConfigError e = config_error([&] { load_env(c.env); });
    EXPECT_THAT(e.what(), HasSubstr(P + c.a + "=")) << e.what();
    EXPECT_THAT(e.what(), HasSubstr(P + c.b)) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("contradicts")) << e.what();
  }
  // Agreement is fine.
  EXPECT_NO_THROW(load_env({{P + "NETWORK", "tcp"}, {P + "TRANSPORT", "http"},
                            {P + "ADDRESS", "127.0.0.1:9860"},
                            {P + "BASE_URL", "http://127.0.0.1:9860"}}));
}

TEST(Env, EnvironmentMapReadsTheProcessEnvironment) {
  ASSERT_EQ(setenv("VS_CONFIG_TEST_VAR", "a=b c", 1), 0);
  const auto env = environment_map();
  ASSERT_TRUE(env.contains("VS_CONFIG_TEST_VAR"));
  EXPECT_EQ(env.at("VS_CONFIG_TEST_VAR"), "a=b c");
  unsetenv("VS_CONFIG_TEST_VAR");
}

}  // namespace
}  // namespace vs
