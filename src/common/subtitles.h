// Subtitles: a transcript's timed pieces (the worker's finals, with start_ms/end_ms on the
// recording's timeline) cut into readable cues and written as SubRip (.srt), WebVTT (.vtt) or
// plain text. Pure functions, shared by POST /v1/audio/transcriptions (response_format
// srt|vtt|text) and `voice-sidecar transcribe FILE --format srt|vtt|txt`, so both print the same
// document.
//
//   std::vector<TimedText> cues = {{0, 2500, "Hello there."}, {3000, 4200, "Bye."}};
//   std::string srt = to_srt(cues);   // "1\n00:00:00,000 --> 00:00:02,500\nHello there.\n\n2\n..."
//   std::string vtt = to_vtt(cues);   // "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello there.\n\n..."
//   std::string readable = to_srt(subtitle_cues(finals));  // ≤ 2 lines of 42 characters, ≤ 7 s
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace vs {

// One word of a final as the worker timed it. `text` is as the worker wrote it: Whisper's words
// carry their leading space (" Hello"), and a word without one continues the word before it.
struct TimedWord {
  std::string text;
  long long start_ms = 0;
  long long end_ms = 0;
  std::optional<double> probability = {};
};

struct TimedText {
  long long start_ms = 0;
  long long end_ms = 0;
  std::string text;
  std::vector<TimedWord> words = {};  // empty when the worker gave no word timings
};

// What a cue may hold, as subtitle guidelines ask (BBC, Netflix): at most two lines of 42
// characters, on screen at most 7 s.
struct CueLimits {
  size_t line_chars = 42;  // characters (UTF-8 code points), not bytes
  long long max_ms = 7000;
};

// Cuts finals into cues that keep to `limits`, their lines broken at word boundaries ("\n"
// between the two lines, balanced when the text needs two). Pure.
// - A final with words: cues follow its words' times (clamped into the final's span and made
//   monotonic), a new cue when the next word would overflow the lines or the 7 s.
// - A final without words keeps today's one cue per final when its text fits two lines; a
//   longer one is cut by characters alone, its span shared among the cues in proportion to their
//   characters (the time limit is not applied: with no word times a cut by time would only
//   guess where the words are).
// - A word is never split: one longer than a line is a cue of its own. Blank finals give no cue.
// The final's words that are not blank, their times clamped into its span and made monotonic
// (each starts no earlier than the one before ends): what a door shows as word timings.
std::vector<TimedWord> clamped_words(const TimedText& final_text);

std::vector<TimedText> subtitle_cues(const std::vector<TimedText>& finals, const CueLimits& limits = {});

// "HH:MM:SS,mmm" (SubRip) or "HH:MM:SS.mmm" (WebVTT); negative times print as 0.
std::string subtitle_time(long long ms, char millis_separator);

// Cues with empty text are skipped (a final may be empty when nothing real was said), the rest
// numbered from 1. An end before its start is printed as the start: players reject such cues.
std::string to_srt(const std::vector<TimedText>& cues);
std::string to_vtt(const std::vector<TimedText>& cues);
// The texts joined by single spaces, trimmed: what a transcript reads as one paragraph.
std::string joined_text(const std::vector<TimedText>& cues);

}  // namespace vs
