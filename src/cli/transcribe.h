// `voice-sidecar transcribe`: the whole product in one command, for people. It starts its own
// worker (no daemon needed), streams a file or the microphone through the same ring, pump and
// worker pipe as the daemon, and prints the transcript as it comes:
//
// - on a terminal, the partial text updating in place and each final as a line with its time;
// - otherwise one plain line per final;
// - with --json, every event as one JSON line and, last, a summary object;
// - with --format txt|srt|vtt|json, the whole transcript as one document on stdout at the end
//   (the live lines go to stderr), the same subtitles POST /v1/audio/transcriptions answers.
//
// It ends with a short summary (audio length, time taken, real-time factor, frames
// sent/acked/lost). The microphone runs until Ctrl-C, which stops the recording gracefully (the
// last utterance still gets its final).
#pragma once

#include <string>

#include "config/config.h"

namespace vs {

struct TranscribeOptions {
  std::string file;          // a path, or "-" for a WAV on stdin; empty with mic
  bool mic = false;
  std::string device;        // with mic: index or name; "" = the default input
  bool json = false;
  std::string format;        // "" (live lines), or txt, srt, vtt, json: one document at the end
  bool realtime = false;     // a file at real-time pace (as a live source would arrive)
  bool verbose = false;      // the daemon's own log lines on stderr
};

// Returns the process exit code: 0 when everything was transcribed and nothing lost, 1 when
// the source or the worker failed or audio was lost.
int run_transcribe(Config config, const TranscribeOptions& options);

}  // namespace vs
