#include "cli/transcribe.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "audio/recorder.h"
#include "audio/transcript_event.h"
#include "cli/transcript_printer.h"
#include "common/json_text.h"
#include "common/strings.h"
#include "common/subtitles.h"
#include "events/event_bus.h"
#include "gate/heavy_load_gate.h"
#include "sources/file_source.h"
#include "sources/mic_source.h"
#include "supervision/supervisor.h"

namespace vs {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};
void on_interrupt(int) { g_interrupted = true; }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

std::unique_ptr<AudioSource> open_source(const TranscribeOptions& o) {
  if (o.mic) return MicSource::open(o.device);
  return FileSource::open(o.file, o.realtime);
}

void print_summary(const TranscribeOptions& o, const RecordingSnapshot& r, double seconds,
                   const TranscriptPrinter& printer) {
  const double audio_s = static_cast<double>(r.frames_captured) * kFrameMs / 1000.0;
  const double rtf = audio_s > 0 ? seconds / audio_s : 0;
  const auto& lat = printer.final_latencies_ms();
  if (o.json) {
    const nlohmann::json summary = {
        {"type", "summary"},          {"audio_seconds", audio_s},
        {"seconds", seconds},         {"rtf", rtf},
        {"frames_sent", r.frames_sent}, {"frames_acked", r.frames_acked},
        {"frames_lost", r.frames_lost}, {"frames_replayed", r.frames_replayed},
        {"finals", printer.finals()},  {"final_latency_ms_p50", percentile(lat, 50)},
        {"final_latency_ms_p95", percentile(lat, 95)}, {"reason", r.reason}};
    std::printf("%s\n", dump_json(summary).c_str());
    return;
  }
  std::fprintf(stderr,
               "\n%.1f s of audio in %.1f s (real-time factor %.2f); frames sent %llu, acked %llu, lost %llu"
               "%s; final latency p50 %.0f ms, p95 %.0f ms\n",
               audio_s, seconds, rtf, static_cast<unsigned long long>(r.frames_sent),
               static_cast<unsigned long long>(r.frames_acked), static_cast<unsigned long long>(r.frames_lost),
               r.frames_replayed ? (", replayed " + std::to_string(r.frames_replayed)).c_str() : "",
               percentile(lat, 50), percentile(lat, 95));
}

// The finals of the recording as one document (--format): subtitles cut into readable cues
// (at most 2 lines of 42 characters, 7 s), or JSON with each final's words when it has them.
std::string transcript_document(const std::string& format, const std::vector<TimedText>& finals) {
  if (format == "srt") return to_srt(subtitle_cues(finals));
  if (format == "vtt") return to_vtt(subtitle_cues(finals));
  if (format == "json") {
    nlohmann::json segments = nlohmann::json::array();
    for (const TimedText& f : finals) {
      nlohmann::json segment = {{"start", f.start_ms / 1000.0}, {"end", f.end_ms / 1000.0}, {"text", f.text}};
      if (!f.words.empty()) {
        nlohmann::json words = nlohmann::json::array();
        for (const TimedWord& w : clamped_words(f)) {
          words.push_back(
              {{"word", std::string(trim(w.text))}, {"start", w.start_ms / 1000.0}, {"end", w.end_ms / 1000.0}});
          if (w.probability) words.back()["probability"] = *w.probability;
        }
        segment["words"] = std::move(words);
      }
      segments.push_back(std::move(segment));
    }
    return dump_json({{"text", joined_text(finals)}, {"segments", segments}}) + "\n";
  }
  const std::string text = joined_text(finals);
  return text.empty() ? text : text + "\n";
}

// Keeps the recording's finals that have text, read as every door reads them (TranscriptEvent).
void collect_final(const Event& e, const std::string& recording, std::vector<TimedText>& finals) {
  const std::optional<TranscriptEvent> t = transcript_event(e, recording);
  const auto* f = t ? std::get_if<FinalText>(&*t) : nullptr;
  if (f && !blank(f->text)) finals.push_back(timed_text(*f));
}

}  // namespace

int run_transcribe(Config config, const TranscribeOptions& o) {
  // A one-off command admits its own work: the CPU gate is for a daemon sharing the machine.
  config.pressure.max_cpu_percent = 100;
  config.worker.auto_start = false;
  if (!o.verbose) spdlog::set_level(spdlog::level::warn);

  std::unique_ptr<AudioSource> source;
  try {
    source = open_source(o);  // before the model loads: a bad path fails at once
  } catch (const SourceError& e) {
    std::fprintf(stderr, "voice-sidecar: %s\n", e.what());
    return 1;
  }

  EventBus bus(static_cast<size_t>(config.ipc.event_buffer), static_cast<size_t>(config.ipc.event_buffer_bytes));
  HeavyLoadGate gate(config.pressure);
  Supervisor supervisor(config, gate, bus);
  gate.start();
  supervisor.begin();
  EventStream events = bus.subscribe();

  const bool tty = isatty(STDOUT_FILENO) && !o.json;
  if (isatty(STDERR_FILENO) && !o.json) std::fprintf(stderr, "loading the speech model...\r");
  const Outcome started = supervisor.start("transcribe");
  if (isatty(STDERR_FILENO) && !o.json) std::fprintf(stderr, "\033[K");
  if (!started.ok()) {
    std::fprintf(stderr, "voice-sidecar: the worker did not start: %s\n", started.message.c_str());
    return 1;
  }

  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  Recorder recorder(config.audio, supervisor.worker_link(), bus);
  std::string busy;
  const auto t0 = Clock::now();
  std::shared_ptr<Recording> rec;
  try {
    rec = recorder.start(std::move(source), o.mic ? o.device : o.file, &busy);
  } catch (const SourceError& e) {
    std::fprintf(stderr, "voice-sidecar: %s\n", e.what());
    return 1;
  }
  if (o.mic && !o.json) std::fprintf(stderr, "listening; Ctrl-C to stop\n");

  // With --format, stdout is the document alone; the live view goes to stderr meanwhile.
  const bool document = !o.format.empty();
  TranscriptPrinter printer(document ? stderr : stdout,
                            o.json ? TranscriptPrinter::Style::Json
                            : (document ? isatty(STDERR_FILENO) : tty) ? TranscriptPrinter::Style::Terminal
                                                                       : TranscriptPrinter::Style::Lines);
  std::vector<TimedText> finals;
  std::thread stopper;
  const std::vector<std::string> shown = {"speech_start", "speech_end", "partial_text", "final_text",
                                          "no_speech",    "error",      "stt_error",    "audio_lost",
                                          "recording_started", "recording_stopped", "worker_state"};
  for (bool done = false; !done;) {
    if (g_interrupted.exchange(false) && !stopper.joinable()) {
      stopper = std::thread([&recorder] { recorder.stop("requested"); });
    }
    NextResult r = events.next_for(std::chrono::milliseconds(100));
    auto* ev = std::get_if<EventPtr>(&r);
    if (!ev) {
      if (std::holds_alternative<Closed>(r)) break;
      continue;
    }
    const std::string& type = (*ev)->type;
    if (std::find(shown.begin(), shown.end(), type) != shown.end()) printer.on_event(*(*ev)->body);
    if (document && type == "final_text") collect_final(**ev, rec->id(), finals);
    done = type == "recording_stopped" && (*ev)->body->value("recording", "") == rec->id();
  }
  printer.finish();
  if (document) {
    std::fputs(transcript_document(o.format, finals).c_str(), stdout);
    std::fflush(stdout);
  }
  if (stopper.joinable()) stopper.join();
  rec->wait();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const RecordingSnapshot snap = rec->snapshot();
  print_summary(o, snap, seconds, printer);
  supervisor.shutdown();
  gate.stop();
  const bool ok = snap.frames_lost == 0 && (snap.reason == "end_of_file" || snap.reason == "requested");
  if (!ok && !o.json) std::fprintf(stderr, "voice-sidecar: recording ended: %s %s\n", snap.reason.c_str(), snap.error.c_str());
  return ok ? 0 : 1;
}

}  // namespace vs
