// Subtitles: a transcript's timed pieces (the worker's finals, with start_ms/end_ms on the
// recording's timeline) written as SubRip (.srt), WebVTT (.vtt) or plain text. Pure functions,
// shared by POST /v1/audio/transcriptions (response_format srt|vtt|text) and
// `voice-sidecar transcribe FILE --format srt|vtt|txt`, so both print the same document.
//
//   std::vector<TimedText> cues = {{0, 2500, "Hello there."}, {3000, 4200, "Bye."}};
//   std::string srt = to_srt(cues);   // "1\n00:00:00,000 --> 00:00:02,500\nHello there.\n\n2\n..."
//   std::string vtt = to_vtt(cues);   // "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello there.\n\n..."
#pragma once

#include <string>
#include <vector>

namespace vs {

struct TimedText {
  long long start_ms = 0;
  long long end_ms = 0;
  std::string text;
};

// "HH:MM:SS,mmm" (SubRip) or "HH:MM:SS.mmm" (WebVTT); negative times print as 0.
std::string subtitle_time(long long ms, char millis_separator);

// Cues with empty text are skipped (a final may be empty when nothing real was said), the rest
// numbered from 1. An end before its start is printed as the start: players reject such cues.
std::string to_srt(const std::vector<TimedText>& cues);
std::string to_vtt(const std::vector<TimedText>& cues);
// The texts joined by single spaces, trimmed: what a transcript reads as one paragraph.
std::string joined_text(const std::vector<TimedText>& cues);

}  // namespace vs
