// voice-sidecar: `serve` runs the daemon, `transcribe` turns a file or the microphone into text
// without a daemon, `devices` lists the microphones, `check-config` prints the effective
// configuration. main only turns the command line into ConfigSources and hands over; exit code 2
// means the command line or the configuration is wrong (the message names the key).
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/transcribe.h"
#include "common/version.h"
#include "config/load_config.h"
#include "daemon/daemon.h"
#include "sources/input_devices.h"

namespace {

constexpr int kConfigErrorExit = 2;

struct CommandLine {
  std::string config_file;
  std::vector<std::pair<std::string, std::string>> flags;  // dotted key -> value, in order

  // An option that sets one config key when given.
  void option(CLI::App& app, const std::string& name, const std::string& key, const std::string& help) {
    app.add_option_function<std::string>(name, [this, key](const std::string& v) { flags.emplace_back(key, v); },
                                         help + " (" + key + ")");
  }

  void add_to(CLI::App& app) {
    app.add_option("-c,--config", config_file, "YAML (or .json) configuration file");
    option(app, "--network", "listen.network", "tcp or unix");
    option(app, "--address", "listen.address", "host:port for tcp, a socket path for unix");
    app.add_option_function<std::string>("--socket", [this](const std::string& path) {
      flags.emplace_back("listen.network", "unix");
      flags.emplace_back("listen.address", path);
    }, "serve on this Unix socket (listen.network=unix, listen.address=PATH)");
    option(app, "--token", "auth.token",
           "bearer token required by every endpoint but /v1/health; visible in the process list: prefer --token-file");
    option(app, "--token-file", "auth.token_file", "file holding the bearer token (mode 0600, owned by this user)");
    option(app, "--log-level", "log.level", "trace, debug, info, warn or error");
    app.add_option_function<std::vector<std::string>>("--set", [this](const std::vector<std::string>& items) {
      for (const auto& item : items) {
        const auto eq = item.find('=');
        if (eq == std::string::npos) throw CLI::ValidationError("--set", "expected KEY=VALUE, got " + item);
        flags.emplace_back(item.substr(0, eq), item.substr(eq + 1));
      }
    }, "set any configuration key, e.g. --set worker.auto_start=true (repeatable)");
  }

  // A token in argv can be read by every user on the machine (ps, /proc/<pid>/cmdline).
  bool token_in_argv() const {
    for (const auto& [key, value] : flags) {
      if ((key == "auth.token" || key == "--auth.token") && !value.empty()) return true;
    }
    return false;
  }

  vs::ConfigSources sources() const {
    vs::ConfigSources s;
    if (!config_file.empty()) s.file = config_file;
    s.env = vs::environment_map();
    s.flags = flags;
    return s;
  }
};

// Logging is asynchronous and drops the oldest lines when stderr is not read: a parent that
// never drains our stderr must not stall the supervisor or the worker's stderr relay.
void configure_logging(const std::string& level) {
  constexpr size_t kQueuedLines = 8192;
  spdlog::init_thread_pool(kQueuedLines, 1);
  auto logger = std::make_shared<spdlog::async_logger>(
      "voice-sidecar", std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"voice-sidecar: supervises the Python voice worker and serves the /v1 control plane"};
  app.set_version_flag("--version", vs::kVersion);
  app.require_subcommand(1);
  CommandLine serve_args, check_args;
  CLI::App* serve = app.add_subcommand("serve", "run the daemon");
  serve_args.add_to(*serve);
  CLI::App* check = app.add_subcommand("check-config", "print the effective configuration and where each value came from");
  check_args.add_to(*check);
  bool list_keys = false;
  check->add_flag("--keys", list_keys, "list every configuration key with its default, env name and meaning");
  CommandLine transcribe_args;
  vs::TranscribeOptions tr;
  CLI::App* transcribe = app.add_subcommand("transcribe", "print the text of an audio file (or the microphone) as it is spoken");
  transcribe_args.add_to(*transcribe);
  transcribe->add_option("file", tr.file, "audio file (WAV, FLAC, Ogg, MP3; any rate), or - for a WAV on stdin");
  transcribe->add_flag("--mic", tr.mic, "record the microphone until Ctrl-C");
  transcribe->add_option("--device", tr.device, "with --mic: input device index or name (see `voice-sidecar devices`)");
  CLI::Option* json_flag = transcribe->add_flag("--json", tr.json, "every event as a JSON line, then a summary line");
  transcribe->add_option("--format", tr.format,
                         "print the whole transcript at the end as txt, srt, vtt or json (segments with times)")
      ->check(CLI::IsMember({"txt", "srt", "vtt", "json"}))
      ->excludes(json_flag);
  transcribe->add_flag("--realtime", tr.realtime, "stream the file at real-time pace, as a live source would");
  transcribe->add_flag("-v,--verbose", tr.verbose, "show the daemon's log lines");
  CLI::App* devices = app.add_subcommand("devices", "list the audio input devices");
  try {
    app.parse(argc, argv);
    if (transcribe->parsed() && tr.mic == !tr.file.empty()) {
      throw CLI::ValidationError("transcribe", "give an audio FILE (or - for stdin), or --mic");
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kConfigErrorExit;
  }
  if (devices->parsed()) {
    std::fputs(vs::describe_input_devices().c_str(), stdout);
    return 0;
  }

  const CommandLine& args = serve->parsed() ? serve_args : transcribe->parsed() ? transcribe_args : check_args;
  vs::LoadedConfig loaded;
  try {
    loaded = vs::load_config(args.sources());
  } catch (const vs::ConfigError& e) {
    std::fprintf(stderr, "voice-sidecar: configuration error: %s\n", e.what());
    return kConfigErrorExit;
  }

  if (check->parsed()) {
    std::fputs((list_keys ? vs::describe_config_keys() : vs::describe_config(loaded)).c_str(), stdout);
    return 0;
  }
  if (transcribe->parsed()) {
    configure_logging(loaded.config.log.level);
    const int code = vs::run_transcribe(loaded.config, tr);
    spdlog::shutdown();
    return code;
  }
  vs::block_daemon_signals();  // before any thread starts, so every thread inherits the mask
  configure_logging(loaded.config.log.level);
  if (args.token_in_argv()) {
    spdlog::warn("the token given on the command line (--token) is visible to every user in the process list; "
                 "put it in a file only you can read (chmod 600) and give --token-file FILE instead");
  }
  const int code = vs::run_daemon(loaded, args.sources());
  spdlog::shutdown();  // writes what is still queued
  return code;
}
