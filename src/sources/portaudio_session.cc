#include "sources/portaudio_session.h"

// alsa/error.h uses va_list without including its header.
#include <cstdarg>
#include <cstdio>

#include <alsa/error.h>
#include <dlfcn.h>
#include <portaudio.h>
#include <spdlog/spdlog.h>

#include <initializer_list>
#include <mutex>
#include <string>

#include "audio/audio_source.h"

namespace vs {
namespace {

// PortAudio's calls are not thread-safe; its initialisation count least of all.
std::mutex& init_mutex() {
  static std::mutex m;
  return m;
}

void alsa_to_debug_log(const char* file, int line, const char* function, int err,
                       const char* fmt, ...) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  char text[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(text, sizeof text, fmt, args);
  va_end(args);
  spdlog::debug("ALSA {}:{} {}: {} (error {})", file, line, function, text, err);
}

void jack_to_debug_log(const char* text) { spdlog::debug("JACK: {}", text); }

// ALSA is linked through PortAudio (its pkg-config names -lasound), so its handler is set
// directly. libjack is only a dependency of libportaudio, not of ours: its setters are looked
// up in the already-loaded libraries instead of adding a link dependency (absent: no-op).
void quiet_audio_backends() {
  snd_lib_error_set_handler(alsa_to_debug_log);
  using SetHandler = void (*)(void (*)(const char*));
  for (const char* name : {"jack_set_error_function", "jack_set_info_function"}) {
    if (auto set = reinterpret_cast<SetHandler>(::dlsym(RTLD_DEFAULT, name))) {
      set(jack_to_debug_log);
    }
  }
}

}  // namespace

PortAudioSession::PortAudioSession() {
  static std::once_flag quieted;
  std::call_once(quieted, quiet_audio_backends);
  std::lock_guard lock(init_mutex());
  const PaError error = Pa_Initialize();
  if (error != paNoError) {
    throw SourceError(std::string("cannot start PortAudio: ") + Pa_GetErrorText(error));
  }
}

PortAudioSession::~PortAudioSession() {
  std::lock_guard lock(init_mutex());
  Pa_Terminate();
}

}  // namespace vs
