// MetricFamilies collects gauges and counters for one scrape and renders them in the
// Prometheus text format 0.0.4 (through prometheus-cpp's TextSerializer, which writes the
// HELP and TYPE lines and escapes labels).
//
// The daemon keeps its numbers where they belong (supervisor, gate, IPC); a scrape reads
// snapshots of them and builds fresh families — nothing here is shared state.
//
//   MetricFamilies m;
//   m.gauge("voice_sidecar_gate_open", "1 when the heavy-load gate is open.", 1);
//   m.counter("voice_sidecar_worker_crashes_total", "Worker crashes by cause.", 3, {{"cause","exit"}});
//   std::string text = m.render();
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

namespace vs {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricFamilies {
 public:
  void gauge(const std::string& name, const std::string& help, double value,
             const MetricLabels& labels = {});
  void counter(const std::string& name, const std::string& help, double value,
               const MetricLabels& labels = {});

  // Buckets are (upper bound, cumulative count) in increasing order; +Inf is `count`.
  void histogram(const std::string& name, const std::string& help,
                 const std::vector<std::pair<double, uint64_t>>& buckets, uint64_t count, double sum);

  std::string render() const;

 private:
  prometheus::MetricFamily& family(const std::string& name, const std::string& help,
                                   prometheus::MetricType type);
  std::vector<prometheus::MetricFamily> families_;
};

}  // namespace vs
