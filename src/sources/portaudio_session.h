// PortAudioSession keeps the PortAudio library initialised while it lives: one per user (a
// device listing, an open microphone). Pa_Initialize is reference-counted, so sessions nest; the
// last one to end terminates PortAudio. Construct it before any other PortAudio call, and
// destroy every stream before it.
//
// The first session also routes the diagnostics ALSA and JACK print to stderr while PortAudio
// probes them (a dozen lines on a machine without a sound card or JACK server) to the debug log.
//
//   PortAudioSession pa;   // throws SourceError when PortAudio cannot start
//   Pa_GetDeviceCount();
#pragma once

namespace vs {

class PortAudioSession {
 public:
  PortAudioSession();
  ~PortAudioSession();
  PortAudioSession(const PortAudioSession&) = delete;
  PortAudioSession& operator=(const PortAudioSession&) = delete;
};

}  // namespace vs
