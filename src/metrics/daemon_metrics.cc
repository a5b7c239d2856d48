#include "metrics/daemon_metrics.h"

#include <string>
#include <tuple>
#include <vector>

#include "common/version.h"
#include "metrics/metric_families.h"

namespace vs {

namespace {

constexpr double kBytesPerMb = 1024.0 * 1024.0;

void add_worker(MetricFamilies& m, const WorkerSnapshot& w, const SupervisorCounters& c) {
  for (auto s : {WorkerState::Stopped, WorkerState::Starting, WorkerState::Running,
                 WorkerState::Stopping, WorkerState::Backoff, WorkerState::Failed}) {
    m.gauge("voice_sidecar_worker_state", "1 for the worker's current lifecycle state, 0 for the others.",
            w.state == s ? 1 : 0, {{"state", to_string(s)}});
  }
  m.gauge("voice_sidecar_worker_running", "1 when the worker is ready and running.",
          w.state == WorkerState::Running ? 1 : 0);
  m.gauge("voice_sidecar_worker_missed_pings", "Liveness pings in a row the worker has not answered.",
          static_cast<double>(w.health_failures));
  const std::tuple<const char*, const char*, uint64_t> counters[] = {
      {"voice_sidecar_worker_spawns_total", "Worker processes spawned.", c.spawns_total},
      {"voice_sidecar_worker_restarts_total", "Automatic restarts after a crash.", w.restart_count},
      {"voice_sidecar_worker_crash_recoveries_total",
       "Automatic restarts that brought the worker back to ready.", c.crash_recoveries_total},
      {"voice_sidecar_worker_forced_kills_total", "Stops that needed SIGKILL.", c.forced_kills_total},
      {"voice_sidecar_worker_pressure_stops_total", "Workers stopped because of memory pressure.",
       c.pressure_stops_total},
      {"voice_sidecar_worker_pressure_resumes_total", "Workers started again after memory pressure ended.",
       c.pressure_resumes_total}};
  for (const auto& [name, help, n] : counters) m.counter(name, help, static_cast<double>(n));
  for (CrashCause cause : kCrashCauses) {
    m.counter("voice_sidecar_worker_crashes_total", "Worker crashes, by cause.",
              static_cast<double>(c.crashes[index(cause)]), {{"cause", to_string(cause)}});
  }
  const std::pair<const char*, uint64_t> requests[] = {{"start", c.start_requests_total},
                                                       {"stop", c.stop_requests_total},
                                                       {"restart", c.restart_requests_total}};
  for (const auto& [action, n] : requests) {
    m.counter("voice_sidecar_control_requests_total", "Control requests received, by action.",
              static_cast<double>(n), {{"action", action}});
  }
}

void add_gate(MetricFamilies& m, const GateSnapshot& g) {
  const PressureSample& s = g.sample;
  m.gauge("voice_sidecar_gate_open", "1 when the heavy-load gate allows heavy work.", g.decision.open ? 1 : 0);
  m.gauge("voice_sidecar_gate_memory_pressure", "1 when the gate is closed because of memory.",
          g.decision.memory_pressure ? 1 : 0);
  m.counter("voice_sidecar_gate_closures_total", "Times the gate went from open to closed.",
            static_cast<double>(g.closures_total));
  m.counter("voice_sidecar_pressure_samples_total", "Pressure samples taken.",
            static_cast<double>(g.samples_total));
  m.counter("voice_sidecar_pressure_invalid_samples_total",
            "Pressure samples that could not be read or parsed.",
            static_cast<double>(g.invalid_samples_total));
  m.gauge("voice_sidecar_pressure_sample_valid", "1 when the latest pressure sample was valid.",
          s.valid ? 1 : 0);
  m.gauge("voice_sidecar_memory_total_bytes", "Memory total (or the cgroup limit when lower).",
          s.memory_total_mb * kBytesPerMb);
  m.gauge("voice_sidecar_memory_available_bytes", "Memory available (within the cgroup limit).",
          s.memory_available_mb * kBytesPerMb);
  m.gauge("voice_sidecar_memory_used_ratio", "Used memory as a ratio of the total.",
          s.memory_percent / 100.0);
  // Two figures: the gate admits the worker's heavy work, so the worker's own CPU is not held
  // against it; the machine's figure shows what that work costs everyone else.
  if (s.cpu_percent) {
    m.gauge("voice_sidecar_cpu_utilisation_ratio",
            "CPU utilisation between the last two samples without the supervised worker's process "
            "group: the figure the gate compares with max_cpu_percent.",
            *s.cpu_percent / 100.0);
  }
  if (s.cpu_percent_total) {
    m.gauge("voice_sidecar_system_cpu_utilisation_ratio",
            "CPU utilisation of the whole machine between the last two samples, the worker included.",
            *s.cpu_percent_total / 100.0);
  }
  if (s.psi_some_avg10) {
    m.gauge("voice_sidecar_memory_psi_some_avg10_ratio",
            "Memory pressure stall information, some avg10, as a ratio.", *s.psi_some_avg10 / 100.0);
  }
}

void add_ipc(MetricFamilies& m, const IpcStats& i) {
  const std::tuple<const char*, const char*, uint64_t> counters[] = {
      {"voice_sidecar_ipc_lines_in_total", "Well-formed lines read from workers' stdout.", i.lines_in},
      {"voice_sidecar_ipc_lines_out_total", "Lines written to workers' stdin.", i.lines_out},
      {"voice_sidecar_ipc_malformed_lines_total", "Worker lines that were not a JSON object with a type; skipped.",
       i.malformed_lines},
      {"voice_sidecar_ipc_oversized_lines_total", "Worker lines over the line limit; skipped.", i.oversized_lines},
      {"voice_sidecar_ipc_unknown_lines_total", "Worker lines with an unknown type; skipped.", i.unknown_lines},
      {"voice_sidecar_ipc_frames_written_total", "Audio frames written to workers.", i.frames_written},
      {"voice_sidecar_ipc_audio_bytes_written_total", "PCM bytes written to workers (before base64).",
       i.audio_bytes_written},
      {"voice_sidecar_worker_stderr_lines_total", "Lines workers wrote to stderr (logged unless rate-limited).",
       i.stderr_lines},
      {"voice_sidecar_worker_stderr_dropped_lines_total",
       "Lines workers wrote to stderr that the per-worker rate limit kept out of the log.",
       i.stderr_dropped_lines}};
  for (const auto& [name, help, n] : counters) m.counter(name, help, static_cast<double>(n));
  m.gauge("voice_sidecar_sink_queue_frames", "Frames waiting in the audio sink for the writer thread.",
          static_cast<double>(i.sink_queue_depth));
  m.gauge("voice_sidecar_ipc_write_stall_max_seconds",
          "The longest a single write to a worker's stdin took (a full pipe shows here).",
          static_cast<double>(i.write_stall_max_us) / 1e6);
}

void add_events(MetricFamilies& m, const EventBusStats& e) {
  m.counter("voice_sidecar_events_published_total", "Events published to subscribers.",
            static_cast<double>(e.published));
  m.gauge("voice_sidecar_event_subscribers", "Live event subscribers (SSE clients and internal).",
          static_cast<double>(e.subscribers));
  m.counter("voice_sidecar_events_lagged_total", "Events skipped by subscribers that fell behind.",
            static_cast<double>(e.lagged_events));
  m.gauge("voice_sidecar_event_buffer_bytes", "Bytes of events held for subscribers and Last-Event-ID.",
          static_cast<double>(e.retained_bytes));
}

std::vector<std::pair<double, uint64_t>> buckets_of(const LatencyHistogram::Snapshot& h) {
  std::vector<std::pair<double, uint64_t>> buckets;
  for (size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) buckets.emplace_back(LatencyHistogram::kBounds[i], h.cumulative[i]);
  return buckets;
}

void add_audio(MetricFamilies& m, const RecorderTotals& r) {
  m.counter("voice_sidecar_recordings_total", "Recordings started.", static_cast<double>(r.recordings));
  // What an autoscaler scales on: active against capacity.
  m.gauge("voice_sidecar_recordings_active", "Recordings running now.", static_cast<double>(r.active));
  m.gauge("voice_sidecar_recordings_capacity", "Recordings that can run at once.", static_cast<double>(r.capacity));
  m.gauge("voice_sidecar_admission_queue_length", "Requests waiting for a recording slot.",
          static_cast<double>(r.waiting));
  m.gauge("voice_sidecar_audio_ring_occupancy_ratio", "How full the fullest running recording's ring is, 0..1.",
          r.occupancy);
  const std::tuple<const char*, const char*, uint64_t> frames[] = {
      {"captured", "pushed into the ring by a source", r.frames_captured},
      {"sent", "handed to a worker for the first time", r.frames_sent},
      {"acked", "acknowledged by a worker", r.frames_acked},
      {"rejected", "refused by a full ring (overflow)", r.frames_rejected},
      {"replayed", "sent again to a restarted worker", r.frames_replayed},
      {"lost", "never acknowledged and beyond recovery", r.frames_lost}};
  for (const auto& [what, help, n] : frames) {
    m.counter(std::string("voice_sidecar_audio_frames_") + what + "_total",
              std::string("10 ms audio frames ") + help + ".", static_cast<double>(n));
  }
  m.histogram("voice_sidecar_final_text_latency_seconds",
              "Worker-reported latency of final texts: last audio of the utterance in, final out.",
              buckets_of(r.final_latency), r.final_latency.count, r.final_latency.sum);
  m.histogram("voice_sidecar_admission_wait_seconds",
              "How long each admitted recording waited for its slot (0 when one was free).",
              buckets_of(r.admission_wait), r.admission_wait.count, r.admission_wait.sum);
}

// The reference control plane's 11 metrics, under its names, types and units (percent, MB), so
// dashboards and alerts built on it keep working (docs/MIGRATION.md). Each is an alias of one of
// ours above; start_requests_total counts start requests (the reference counted spawns).
void add_reference_aliases(MetricFamilies& m, const MetricsInputs& in) {
  const PressureSample& s = in.gate.sample;
  const std::string alias = " (compatibility alias of the reference control plane's metric)";
  m.gauge("jarvis_voice_sidecar_gate_open", "1 when the heavy-load gate is open." + alias, in.gate.decision.open ? 1 : 0);
  m.gauge("jarvis_voice_sidecar_worker_running", "1 when the worker is running." + alias,
          in.worker.state == WorkerState::Running ? 1 : 0);
  m.gauge("jarvis_voice_sidecar_cpu_percent", "CPU utilisation the gate compares, percent." + alias,
          s.cpu_percent.value_or(0));
  m.gauge("jarvis_voice_sidecar_memory_percent", "Used memory, percent." + alias, s.memory_percent);
  m.gauge("jarvis_voice_sidecar_memory_available_mb", "Available memory, MB." + alias,
          static_cast<double>(static_cast<int64_t>(s.memory_available_mb)));
  const SupervisorCounters& c = in.supervisor;
  uint64_t crashes = 0;
  for (CrashCause cause : kCrashCauses) crashes += c.crashes[index(cause)];
  const std::tuple<const char*, const char*, uint64_t> counters[] = {
      {"jarvis_voice_sidecar_start_requests_total", "Start requests.", c.start_requests_total},
      {"jarvis_voice_sidecar_stop_requests_total", "Stop requests.", c.stop_requests_total},
      {"jarvis_voice_sidecar_restart_requests_total", "Restart requests.", c.restart_requests_total},
      {"jarvis_voice_sidecar_crash_recoveries_total", "Automatic restarts that brought the worker back.",
       c.crash_recoveries_total},
      {"jarvis_voice_sidecar_crash_total", "Worker crashes, all causes.", crashes},
      {"jarvis_voice_sidecar_pressure_samples_total", "Pressure samples taken.", in.gate.samples_total}};
  for (const auto& [name, help, n] : counters) m.counter(name, help + alias, static_cast<double>(n));
}

}  // namespace

std::string render_daemon_metrics(const MetricsInputs& in) {
  MetricFamilies m;
  m.gauge("voice_sidecar_build_info", "The daemon's version.", 1, {{"version", kVersion}});
  add_worker(m, in.worker, in.supervisor);
  add_gate(m, in.gate);
  add_ipc(m, in.ipc);
  add_events(m, in.events);
  add_audio(m, in.recorder);
  add_reference_aliases(m, in);
  for (const auto& [code, n] : in.http_responses) {
    m.counter("voice_sidecar_http_responses_total", "HTTP responses sent, by status code.",
              static_cast<double>(n), {{"code", std::to_string(code)}});
  }
  return m.render();
}

}  // namespace vs
