#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/load_config.h"
#include "config_test_util.h"

namespace vs {
namespace {

using ::testing::HasSubstr;
using testing_config::config_error;

// One bad setting (as flags), the key the error must name, and a piece of what it must say.
struct BadCase {
  std::vector<std::pair<std::string, std::string>> flags;
  std::string key;
  std::string says;
};

void PrintTo(const BadCase& c, std::ostream* os) {
  for (const auto& [k, v] : c.flags) *os << k << "=" << v << " ";
}

class Invalid : public ::testing::TestWithParam<BadCase> {};

TEST_P(Invalid, NamesTheKey) {
  ConfigSources src;
  src.flags = GetParam().flags;
  const ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), GetParam().key) << e.what();
  EXPECT_THAT(e.what(), HasSubstr(GetParam().says));
}

INSTANTIATE_TEST_SUITE_P(
    Listen, Invalid,
    ::testing::Values(
        BadCase{{{"listen.network", "udp"}}, "listen.network", "expected tcp or unix, got \"udp\""},
        BadCase{{{"listen.address", "127.0.0.1"}}, "listen.address", "host:port"},
        BadCase{{{"listen.address", "127.0.0.1:65536"}}, "listen.address", "0..65535"},
        BadCase{{{"listen.address", "127.0.0.1:-1"}}, "listen.address", "host:port"},
        BadCase{{{"listen.address", "127.0.0.1:http"}}, "listen.address", "host:port"},
        BadCase{{{"listen.address", ":9860"}}, "listen.address", "host:port"},
        BadCase{{{"listen.address", "::1:9860"}}, "listen.address", "[ipv6]:port"},
        BadCase{{{"listen.address", "0.0.0.0:9860"}}, "listen.address", "auth.token"},
        BadCase{{{"listen.address", "192.168.1.5:9860"}}, "listen.address", "not a loopback"},
        BadCase{{{"listen.address", "[::]:9860"}}, "listen.address", "not a loopback"},
        BadCase{{{"listen.address", "example.com:80"}}, "listen.address", "not a loopback"},
        BadCase{{{"listen.network", "unix"}, {"listen.address", "run/x.sock"}}, "listen.address",
                "absolute socket path"},
        BadCase{{{"listen.network", "unix"}}, "listen.address", "absolute socket path"},
        BadCase{{{"listen.network", "unix"}, {"listen.address", "/" + std::string(120, 'a')}},
                "listen.address", "shorter than 108"},
        BadCase{{{"listen.socket_mode", "01777"}}, "listen.socket_mode", "0000..0777"},
        BadCase{{{"listen.socket_mode", "0800"}}, "listen.socket_mode", "a permission mode"},
        BadCase{{{"listen.body_limit_bytes", "0"}}, "listen.body_limit_bytes", "> 0"},
        BadCase{{{"listen.read_timeout_ms", "-5"}}, "listen.read_timeout_ms",
                "expected an integer > 0, got \"-5\""},
        BadCase{{{"auth.token", "two words"}}, "auth.token", "without blanks"},
        BadCase{{{"audio.file_dirs", "/srv/audio recordings"}}, "audio.file_dirs",
                "expected absolute directory paths, got \"recordings\""}));

INSTANTIATE_TEST_SUITE_P(
    Pressure, Invalid,
    ::testing::Values(
        BadCase{{{"pressure.min_available_memory_mb", "-1"}},
                "pressure.min_available_memory_mb", ">= 0"},
        BadCase{{{"pressure.max_memory_percent", "0"}}, "pressure.max_memory_percent",
                "(0, 100]"},
        BadCase{{{"pressure.max_memory_percent", "100.5"}}, "pressure.max_memory_percent",
                "(0, 100]"},
        BadCase{{{"pressure.max_cpu_percent", "-3"}}, "pressure.max_cpu_percent", "(0, 100]"},
        BadCase{{{"pressure.max_psi_some_avg10", "101"}}, "pressure.max_psi_some_avg10",
                "[0, 100]"},
        BadCase{{{"pressure.monitor_interval_ms", "0"}}, "pressure.monitor_interval_ms", "> 0"},
        BadCase{{{"pressure.sample_timeout_ms", "0"}}, "pressure.sample_timeout_ms", "> 0"},
        BadCase{{{"pressure.reopen_after_samples", "0"}}, "pressure.reopen_after_samples",
                ">= 1"},
        BadCase{{{"pressure.proc_root", ""}}, "pressure.proc_root", "a directory"},
        BadCase{{{"pressure.cgroup_root", ""}}, "pressure.cgroup_root", "a directory"},
        BadCase{{{"pressure.fail_closed", "perhaps"}}, "pressure.fail_closed",
                "expected a boolean"}));

INSTANTIATE_TEST_SUITE_P(
    Worker, Invalid,
    ::testing::Values(
        BadCase{{{"worker.command", "python '' -m x"}}, "worker.command", "empty word"},
        BadCase{{{"worker.env", "=x"}}, "worker.env", "NAME=VALUE"},
        BadCase{{{"worker.start_timeout_ms", "0"}}, "worker.start_timeout_ms", "> 0"},
        BadCase{{{"worker.startup_health_wait_ms", "-1"}}, "worker.start_timeout_ms", "> 0"},
        BadCase{{{"worker.stop_timeout_ms", "0"}}, "worker.stop_timeout_ms", "> 0"},
        BadCase{{{"worker.kill_timeout_ms", "0"}}, "worker.kill_timeout_ms", "> 0"},
        BadCase{{{"worker.ping_interval_ms", "0"}}, "worker.ping_interval_ms", "> 0"},
        BadCase{{{"worker.ping_timeout_ms", "0"}}, "worker.ping_timeout_ms", "> 0"},
        BadCase{{{"worker.health_timeout_ms", "0"}}, "worker.ping_timeout_ms", "> 0"},
        BadCase{{{"worker.ping_failure_limit", "0"}}, "worker.ping_failure_limit", ">= 1"},
        BadCase{{{"worker.startup_poll_ms", "0"}}, "worker.startup_poll_ms", "> 0"},
        BadCase{{{"worker.auto_recover", "2"}}, "worker.auto_recover", "expected a boolean"}));

INSTANTIATE_TEST_SUITE_P(
    Backoff, Invalid,
    ::testing::Values(
        BadCase{{{"backoff.initial_ms", "0"}}, "backoff.initial_ms", "> 0"},
        BadCase{{{"backoff.max_ms", "999"}}, "backoff.max_ms", ">= backoff.initial_ms (1000)"},
        BadCase{{{"backoff.initial_ms", "40000"}}, "backoff.max_ms", ">= backoff.initial_ms"},
        BadCase{{{"backoff.multiplier", "0.5"}}, "backoff.multiplier",
                "expected a number >= 1, got \"0.5\" (from flag --backoff.multiplier)"},
        BadCase{{{"backoff.jitter", "1"}}, "backoff.jitter", "[0, 1)"},
        BadCase{{{"backoff.jitter", "-0.1"}}, "backoff.jitter", "[0, 1)"},
        BadCase{{{"backoff.stable_after_ms", "0"}}, "backoff.stable_after_ms", "> 0"},
        BadCase{{{"backoff.max_restarts", "-1"}}, "backoff.max_restarts", ">= 0"},
        BadCase{{{"backoff.restart_window_ms", "0"}}, "backoff.restart_window_ms", "> 0"}));

INSTANTIATE_TEST_SUITE_P(
    Stt, Invalid,
    ::testing::Values(
        BadCase{{{"stt.engine", "whisper.cpp"}}, "stt.engine", "expected faster-whisper or moonshine, got \"whisper.cpp\""},
        BadCase{{{"stt.task", "summarise"}}, "stt.task", "transcribe or translate"},
        BadCase{{{"stt.device", "gpu"}}, "stt.device", "cpu, cuda or auto"},
        BadCase{{{"stt.compute_type", "int4"}}, "stt.compute_type", "int8, int8_float16"},
        BadCase{{{"stt.language", "French"}}, "stt.language", "a lower-case language code (en, fr, de, ...) or auto"},
        BadCase{{{"stt.language", ""}}, "stt.language", "or auto"},
        BadCase{{{"stt.beam_size", "0"}}, "stt.beam_size", ">= 1"},
        BadCase{{{"stt.partial_beam_size", "6"}}, "stt.partial_beam_size", "at most stt.beam_size (5)"},
        BadCase{{{"stt.vad.end_silence_ms", "50"}}, "stt.vad.end_silence_ms", ">= 90"},
        BadCase{{{"stt.word_timestamps", "words"}}, "stt.word_timestamps", "expected a boolean"}));

INSTANTIATE_TEST_SUITE_P(
    Rest, Invalid,
    ::testing::Values(
        BadCase{{{"ipc.sink_queue_frames", "0"}}, "ipc.sink_queue_frames", "> 0"},
        BadCase{{{"ipc.max_line_bytes", "0"}}, "ipc.max_line_bytes", "> 0"},
        BadCase{{{"ipc.event_buffer", "0"}}, "ipc.event_buffer", "> 0"},
        BadCase{{{"log.level", "verbose"}}, "log.level", "trace, debug, info, warn or error"},
        BadCase{{{"control_timeout_ms", "0"}}, "control_timeout_ms", "> 0"},
        BadCase{{{"control_timeout_ms", "5s"}}, "control_timeout_ms", "expected an integer"}));

TEST(Valid, LoopbackAddressesNeedNoToken) {
  for (const char* a : {"127.0.0.1:9860", "127.1.2.3:0", "localhost:65535", "[::1]:9860",
                        "[::ffff:127.0.0.1]:1"}) {
    ConfigSources src;
    src.flags = {{"listen.address", a}};
    EXPECT_NO_THROW(load_config(src)) << a;
  }
}

TEST(Valid, NonLoopbackWithToken) {
  ConfigSources src;
  src.flags = {{"listen.address", "0.0.0.0:9860"}, {"auth.token", "abc"}};
  EXPECT_NO_THROW(load_config(src));
}

TEST(Valid, EdgeValues) {
  ConfigSources src;
  src.flags = {{"backoff.multiplier", "1"},   {"backoff.jitter", "0"},
               {"backoff.max_ms", "1000"},    {"pressure.max_cpu_percent", "100"},
               {"backoff.max_restarts", "0"}, {"pressure.min_available_memory_mb", "0"},
               {"listen.socket_mode", "0"}};
  EXPECT_NO_THROW(load_config(src));
}

TEST(Valid, ErrorMentionsWhereTheValueCameFrom) {
  ConfigSources src;
  src.env = {{"JARVIS_VOICE_SIDECAR_BACKOFF_JITTER", "1.5"}};
  const ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), "backoff.jitter");
  EXPECT_THAT(e.what(), HasSubstr("env JARVIS_VOICE_SIDECAR_BACKOFF_JITTER"));
}

}  // namespace
}  // namespace vs
