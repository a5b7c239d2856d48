#include "metrics/metric_families.h"

#include <gtest/gtest.h>

#include "metrics/daemon_metrics.h"

namespace vs {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(MetricFamilies, RendersHelpTypeAndLabels) {
  MetricFamilies m;
  m.gauge("voice_sidecar_x", "An x.", 1.5);
  m.counter("voice_sidecar_y_total", "Ys by kind.", 3, {{"kind", "a"}});
  m.counter("voice_sidecar_y_total", "Ys by kind.", 4, {{"kind", "b\"q"}});
  const std::string text = m.render();
  EXPECT_TRUE(contains(text, "# HELP voice_sidecar_x An x.\n# TYPE voice_sidecar_x gauge\nvoice_sidecar_x 1.5\n"));
  EXPECT_TRUE(contains(text, "# TYPE voice_sidecar_y_total counter\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_y_total{kind=\"a\"} 3\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_y_total{kind=\"b\\\"q\"} 4\n"));  // escaped
}

TEST(MetricFamilies, OneNameCannotHaveTwoTypes) {
  MetricFamilies m;
  m.gauge("voice_sidecar_x", "x", 1);
  EXPECT_THROW(m.counter("voice_sidecar_x", "x", 1), std::logic_error);
}

TEST(DaemonMetrics, ShowsWorkerGateIpcAndEvents) {
  MetricsInputs in;
  in.worker.state = WorkerState::Backoff;
  in.worker.restart_count = 2;
  in.supervisor.crashes[index(CrashCause::PingTimeout)] = 1;
  in.supervisor.start_requests_total = 5;
  in.gate.decision.open = false;
  in.gate.decision.memory_pressure = true;
  in.gate.sample.memory_available_mb = 512;
  in.gate.sample.memory_percent = 80;
  in.ipc.malformed_lines = 7;
  in.events.lagged_events = 9;
  in.http_responses[429] = 3;
  const std::string text = render_daemon_metrics(in);
  EXPECT_TRUE(contains(text, "voice_sidecar_worker_state{state=\"backoff\"} 1\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_worker_state{state=\"running\"} 0\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_worker_restarts_total 2\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_worker_crashes_total{cause=\"ping_timeout\"} 1\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_control_requests_total{action=\"start\"} 5\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_gate_open 0\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_gate_memory_pressure 1\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_memory_available_bytes 536870912\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_memory_used_ratio 0.8\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_ipc_malformed_lines_total 7\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_events_lagged_total 9\n"));
  EXPECT_TRUE(contains(text, "voice_sidecar_http_responses_total{code=\"429\"} 3\n"));
  // Unknown CPU (first sample) is absent, not a made-up 0.
  EXPECT_FALSE(contains(text, "voice_sidecar_cpu_utilisation_ratio"));
  EXPECT_FALSE(contains(text, "voice_sidecar_system_cpu_utilisation_ratio"));
}

TEST(DaemonMetrics, ShowTheGatingCpuFigureAndTheMachines) {
  MetricsInputs in;
  in.gate.sample.cpu_percent = 4;          // without the worker: what the gate compares
  in.gate.sample.cpu_percent_total = 99;   // the whole machine
  const std::string text = render_daemon_metrics(in);
  EXPECT_TRUE(contains(text, "\nvoice_sidecar_cpu_utilisation_ratio 0.04\n"));
  EXPECT_TRUE(contains(text, "\nvoice_sidecar_system_cpu_utilisation_ratio 0.99\n"));
  EXPECT_TRUE(contains(text, "\njarvis_voice_sidecar_cpu_percent 4\n")) << "the alias follows the gate";
}

}  // namespace
}  // namespace vs
