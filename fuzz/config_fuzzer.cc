// Fuzzes the configuration loader through its front door, load_config(): a YAML file, a JSON
// file, or JARVIS_VOICE_SIDECAR_* environment variables (the first byte chooses). A ConfigError
// is the expected answer to bad input; any other exception escaping is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <string_view>

#include "config/load_config.h"

namespace {

std::string scratch_path(const char* extension) {
  return "/tmp/vs-config-fuzz-" + std::to_string(getpid()) + extension;
}

// Removes the scratch files when the fuzzer exits (libFuzzer ends with exit()).
struct ScratchCleanup {
  ~ScratchCleanup() {
    std::remove(scratch_path(".yaml").c_str());
    std::remove(scratch_path(".json").c_str());
  }
} cleanup;

std::string scratch_file(std::string_view text, const char* extension) {
  const std::string path = scratch_path(extension);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(text.data(), static_cast<std::streamsize>(text.size()));
  return path;
}

// "NAME=value" lines; a name without the prefix gets it, so most lines reach a real key.
std::map<std::string, std::string> env_lines(std::string_view text) {
  std::map<std::string, std::string> env;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    const size_t eq = line.find('=');
    if (eq != std::string_view::npos) {
      std::string name(line.substr(0, eq));
      if (!name.starts_with("JARVIS_")) name = "JARVIS_VOICE_SIDECAR_" + name;
      env[name] = std::string(line.substr(eq + 1));
    }
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  vs::ConfigSources sources;
  switch (data[0] % 3) {
    case 0: sources.file = scratch_file(text, ".yaml"); break;
    case 1: sources.file = scratch_file(text, ".json"); break;
    default: sources.env = env_lines(text); break;
  }
  try {
    const vs::LoadedConfig loaded = vs::load_config(sources);
    (void)vs::describe_config(loaded);  // check-config prints every value it took
  } catch (const vs::ConfigError&) {
    // refused with a sentence naming the key: the daemon exits 2
  }
  return 0;
}
