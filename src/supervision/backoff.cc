#include "supervision/backoff.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace vs {

namespace {

std::function<double()> default_uniform01() {
  auto engine = std::make_shared<std::mt19937>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace

Backoff::Backoff(const BackoffConfig& config, std::function<double()> uniform01)
    : config_(config), uniform01_(uniform01 ? std::move(uniform01) : default_uniform01()) {}

std::chrono::milliseconds Backoff::base_delay(int n) const {
  // In double so a large exponent saturates at max_ms instead of overflowing.
  const double raw = static_cast<double>(config_.initial_ms) * std::pow(config_.multiplier, n);
  const double capped = std::min(static_cast<double>(config_.max_ms), raw);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(capped)));
}

std::optional<std::chrono::milliseconds> Backoff::on_crash(SteadyTime now) {
  ready_since_.reset();
  const auto window = std::chrono::milliseconds(config_.restart_window_ms);
  while (!recent_crashes_.empty() && now - recent_crashes_.front() > window) {
    recent_crashes_.pop_front();
  }
  recent_crashes_.push_back(now);
  if (static_cast<int>(recent_crashes_.size()) > config_.max_restarts) return std::nullopt;

  const double u = std::clamp(uniform01_(), 0.0, 1.0);
  const double factor = 1.0 - config_.jitter + 2.0 * config_.jitter * u;
  const double delay = static_cast<double>(base_delay(exponent_).count()) * factor;
  ++exponent_;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(std::max(0.0, delay))));
}

void Backoff::on_ready(SteadyTime now) { ready_since_ = now; }

void Backoff::on_running(SteadyTime now) {
  if (ready_since_ && now - *ready_since_ >= std::chrono::milliseconds(config_.stable_after_ms)) {
    exponent_ = 0;
  }
}

void Backoff::reset() {
  exponent_ = 0;
  ready_since_.reset();
  recent_crashes_.clear();
}

}  // namespace vs
