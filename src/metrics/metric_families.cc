#include "metrics/metric_families.h"

#include <limits>
#include <sstream>
#include <stdexcept>

#include <prometheus/text_serializer.h>

namespace vs {

namespace {

prometheus::ClientMetric metric_with(const MetricLabels& labels) {
  prometheus::ClientMetric m;
  for (const auto& [name, value] : labels) m.label.push_back({name, value});
  return m;
}

}  // namespace

prometheus::MetricFamily& MetricFamilies::family(const std::string& name, const std::string& help,
                                                 prometheus::MetricType type) {
  for (auto& f : families_) {
    if (f.name != name) continue;
    // One name, one type: mixing them would produce an exposition Prometheus rejects.
    if (f.type != type) throw std::logic_error("metric " + name + " registered with two types");
    return f;
  }
  families_.push_back(prometheus::MetricFamily{name, help, type, {}});
  return families_.back();
}

void MetricFamilies::gauge(const std::string& name, const std::string& help, double value,
                           const MetricLabels& labels) {
  auto m = metric_with(labels);
  m.gauge.value = value;
  family(name, help, prometheus::MetricType::Gauge).metric.push_back(std::move(m));
}

void MetricFamilies::counter(const std::string& name, const std::string& help, double value,
                             const MetricLabels& labels) {
  auto m = metric_with(labels);
  m.counter.value = value;
  family(name, help, prometheus::MetricType::Counter).metric.push_back(std::move(m));
}

void MetricFamilies::histogram(const std::string& name, const std::string& help,
                               const std::vector<std::pair<double, uint64_t>>& buckets, uint64_t count,
                               double sum) {
  auto m = metric_with({});
  for (const auto& [bound, cumulative] : buckets) {
    prometheus::ClientMetric::Bucket b;
    b.upper_bound = bound;
    b.cumulative_count = cumulative;
    m.histogram.bucket.push_back(b);
  }
  prometheus::ClientMetric::Bucket inf;
  inf.upper_bound = std::numeric_limits<double>::infinity();
  inf.cumulative_count = count;
  m.histogram.bucket.push_back(inf);
  m.histogram.sample_count = count;
  m.histogram.sample_sum = sum;
  family(name, help, prometheus::MetricType::Histogram).metric.push_back(std::move(m));
}

std::string MetricFamilies::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families_);
  return out.str();
}

}  // namespace vs
