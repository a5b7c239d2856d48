// Hostile configuration is an error that names the key or the line, never a crash, a hang or a
// value that breaks the daemon later (issue 8).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <climits>

#include "config/config_keys.h"
#include "config/load_config.h"
#include "config_test_util.h"

namespace vs {
namespace {

using ::testing::HasSubstr;
using testing_config::config_error;
using testing_config::TempDir;

ConfigError file_error(const TempDir& dir, const std::string& name, const std::string& text) {
  ConfigSources src;
  src.file = dir.write(name, text);
  return config_error([&] { load_config(src); });
}

std::string nested(int depth, const std::string& open, const std::string& close, const std::string& leaf) {
  std::string out;
  for (int i = 0; i < depth; ++i) out += open;
  out += leaf;
  for (int i = 0; i < depth; ++i) out += close;
  return out;
}

TEST(HostileFile, JsonNumberOverflowNamesTheKeyAndLine) {
  TempDir dir;
  const ConfigError e = file_error(dir, "o.json", "{\"worker\":\n {\"start_timeout_ms\": 1e400}}");
  EXPECT_EQ(e.key(), "worker.start_timeout_ms");
  EXPECT_THAT(e.what(), HasSubstr("out of range at line 2"));
}

TEST(HostileFile, JsonDuplicateKeyNamesTheKeyAndBothLines) {
  TempDir dir;
  ConfigError e = file_error(dir, "d.json", "{\"log\": {\"level\": \"info\",\n \"level\": \"debug\"}}");
  EXPECT_EQ(e.key(), "log.level");
  EXPECT_THAT(e.what(), HasSubstr("given twice (from file"));
  EXPECT_THAT(e.what(), HasSubstr("line 2; first from"));
  // Even with the same value, and across a repeated section: which one was meant is unclear.
  e = file_error(dir, "s.json", R"({"ipc": {"event_buffer": 8}, "ipc": {"event_buffer": 8}})");
  EXPECT_EQ(e.key(), "ipc.event_buffer");
  EXPECT_THAT(e.what(), HasSubstr("given twice"));
}

TEST(HostileFile, JsonErrorsCarryTheLine) {
  TempDir dir;
  const ConfigError e = file_error(dir, "u.json", "{\n\"worker\": {\n  \"auto_startt\": true}}");
  EXPECT_EQ(e.key(), "worker.auto_startt");
  EXPECT_THAT(e.what(), HasSubstr("line 3"));
}

TEST(HostileFile, SecondYamlDocumentIsAnError) {
  TempDir dir;
  const ConfigError e = file_error(dir, "two.yaml", "log:\n  level: info\n---\nlog:\n  level: debug\n");
  EXPECT_THAT(e.key(), HasSubstr("two.yaml"));
  EXPECT_THAT(e.what(), HasSubstr("second YAML document (at line 4)"));
  // A document marker before the only document, or an empty one after it, is harmless.
  ConfigSources src;
  src.file = dir.write("one.yaml", "---\nlog:\n  level: debug\n...\n");
  EXPECT_EQ(load_config(src).config.log.level, "debug");
}

TEST(HostileFile, DeepNestingNamesTheDepthAndLine) {
  TempDir dir;
  const std::string why = "nested deeper than 32 levels";
  ConfigError e = file_error(dir, "d.yaml", "worker:\n  env: " + nested(40, "[", "]", "x") + "\n");
  EXPECT_THAT(e.what(), HasSubstr(why));
  EXPECT_THAT(e.what(), HasSubstr("line 2"));
  e = file_error(dir, "dd.yaml", nested(5000, "[", "]", "x"));  // past yaml-cpp's own guard
  EXPECT_THAT(e.what(), HasSubstr(why));
  e = file_error(dir, "d.json", "{\"worker\":\n" + nested(100000, "[", "]", "1") + "}");
  EXPECT_THAT(e.what(), HasSubstr(why));
  EXPECT_THAT(e.what(), HasSubstr("line 2"));
}

// "a: &a <leaf>", then `levels` anchors each listing the one before four times: 4^levels copies.
std::string alias_bomb(const std::string& leaf, int levels) {
  std::string text = "a: &a " + leaf + "\n";
  std::string prev = "a";
  for (int i = 0; i < levels; ++i) {
    const std::string name = "b" + std::to_string(i);
    text += name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
    prev = name;
  }
  return text;
}

TEST(HostileFile, YamlAliasesCannotExpandWithoutEnd) {
  const std::string text = alias_bomb("[" + std::string(1000, 'x') + "]", 12);
  TempDir dir;
  const ConfigError e = file_error(dir, "bomb.yaml", text);
  EXPECT_THAT(e.what(), HasSubstr("expand to more than"));
}

// Empty values cost almost no bytes, so only a count of values stops this one before it has
// built millions of nodes (the config fuzzer's timeout: 10 s and 1.8 GB under ASan).
TEST(HostileFile, YamlAliasesOfEmptyValuesAreCounted) {
  std::string empties = "[~";
  for (int i = 0; i < 200; ++i) empties += ",~";
  const std::string text = alias_bomb(empties + "]", 16);
  TempDir dir;
  const ConfigError e = file_error(dir, "empty-bomb.yaml", text);
  EXPECT_THAT(e.what(), HasSubstr("expand to more than 100000 values"));
}

// Debian's yaml-cpp 0.7 loops without end (allocating) on a stray ',' in YAML::LoadAll; the
// config fuzzer found it. Each must be an error that names the line.
TEST(HostileFile, StrayCommaIsAnErrorNotAHang) {
  TempDir dir;
  ConfigError e = file_error(dir, "comma.yaml", ",\n");
  EXPECT_THAT(e.what(), HasSubstr("unexpected text at column 1"));
  e = file_error(dir, "comma2.yaml", "log:\n  level: info\n---\n,\n");
  EXPECT_THAT(e.what(), HasSubstr("line 4"));
  e = file_error(dir, "comma3.yaml", "log:\n  level: info\n,\n");
  EXPECT_THAT(e.what(), HasSubstr("line 3"));
}

TEST(HostileFile, NonRegularFilesAreRefusedAtOnce) {
  ConfigSources src;
  src.file = "/dev/zero";
  ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), "/dev/zero");
  EXPECT_THAT(e.what(), HasSubstr("expected a config file, got a character device"));

  TempDir dir;
  src.file = dir.path("fifo.yaml");
  ASSERT_EQ(mkfifo(src.file->c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  e = config_error([&] { load_config(src); });  // no writer: must not wait for one
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(e.key(), *src.file);
  EXPECT_THAT(e.what(), HasSubstr("got a FIFO"));
}

TEST(HostileFile, OversizedFileIsRefused) {
  TempDir dir;
  const ConfigError e = file_error(dir, "big.yaml", "# " + std::string(2 << 20, 'x') + "\n");
  EXPECT_THAT(e.key(), HasSubstr("big.yaml"));
  EXPECT_THAT(e.what(), HasSubstr("at most 1048576 bytes, got 2097155"));
}

TEST(HostileFile, NonTextKeysNameTheLine) {
  TempDir dir;
  const ConfigError e = file_error(dir, "k.yaml", "log:\n  ? [a, b]\n  : 1\n");
  EXPECT_THAT(e.what(), HasSubstr("expected text keys"));
  EXPECT_THAT(e.what(), HasSubstr("line 2"));
}

// The values from the issue, and the largest int for every numeric key.
TEST(HostileValues, EventBufferIsBounded) {
  for (const char* v : {"2147483647", "100000000", "65537"}) {
    ConfigSources src;
    src.flags = {{"ipc.event_buffer", v}};
    const ConfigError e = config_error([&] { load_config(src); });
    EXPECT_EQ(e.key(), "ipc.event_buffer");
    EXPECT_THAT(e.what(), HasSubstr("expected an integer <= 65536, got \"" + std::string(v) + "\""));
    EXPECT_THAT(e.what(), HasSubstr("allowed: (0, 65536]"));
  }
}

TEST(HostileValues, EveryNumericKeyHasARangeThatRefusesIntMax) {
  for (const auto& def : config_detail::config_keys()) {
    const auto type = def.field.type;
    const bool numeric = type == config_detail::FieldType::kInt || type == config_detail::FieldType::kNumber ||
                         type == config_detail::FieldType::kMode;
    EXPECT_EQ(numeric, def.range.has_value()) << def.key;
    if (!numeric || type == config_detail::FieldType::kMode) continue;
    ConfigSources src;
    src.flags = {{def.key, std::to_string(INT_MAX)}};
    const ConfigError e = config_error([&] { load_config(src); });
    EXPECT_EQ(e.key(), def.key);
    EXPECT_THAT(e.what(), HasSubstr("allowed: ")) << e.what();
  }
}

TEST(HostileValues, TimeoutsStopAtAnHour) {
  ConfigSources src;
  src.flags = {{"worker.start_timeout_ms", "3600000"}, {"pressure.sample_timeout_ms", "3600000"}};
  EXPECT_NO_THROW(load_config(src));
  src.flags = {{"pressure.sample_timeout_ms", "3600001"}};
  const ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), "pressure.sample_timeout_ms");
  EXPECT_THAT(e.what(), HasSubstr("expected an integer <= 3600000, got \"3600001\" (from flag "
                                  "--pressure.sample_timeout_ms); allowed: (0, 3600000]"));
}

TEST(HostileValues, IntegerThatDoesNotFitSaysTheRange) {
  ConfigSources src;
  src.env = {{"JARVIS_VOICE_SIDECAR_WORKER_STOP_TIMEOUT_MS", "99999999999"}};
  const ConfigError e = config_error([&] { load_config(src); });
  EXPECT_EQ(e.key(), "worker.stop_timeout_ms");
  EXPECT_THAT(e.what(), HasSubstr("expected an integer, got \"99999999999\""));
  EXPECT_THAT(e.what(), HasSubstr("allowed: (0, 3600000]"));
}

TEST(HostileValues, ShortLoopbackFormsNeedNoToken) {
  for (const char* a : {"127.1:0", "127.0.1:9860", "0x7f.1:1", "LOCALHOST:1", "[::1]:0"}) {
    ConfigSources src;
    src.flags = {{"listen.address", a}};
    EXPECT_NO_THROW(load_config(src)) << a;
  }
  for (const char* a : {"128.1:0", "10.1:0", "127.example.com:1"}) {
    ConfigSources src;
    src.flags = {{"listen.address", a}};
    EXPECT_THAT(config_error([&] { load_config(src); }).what(), HasSubstr("not a loopback")) << a;
  }
}

TEST(DescribeConfigKeys, SaysEachRange) {
  const std::string text = describe_config_keys();
  EXPECT_THAT(text, HasSubstr("ipc.event_buffer = 1024\n    env: JARVIS_VOICE_SIDECAR_IPC_EVENT_BUFFER\n"
                              "    an integer in (0, 65536]: "));
  EXPECT_THAT(text, HasSubstr("a permission mode like \"0600\" in 0000..0777"));
  EXPECT_THAT(text, HasSubstr("a number in [0, 1): "));
}

}  // namespace
}  // namespace vs
