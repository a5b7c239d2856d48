#include "gate/proc_parsers.h"

#include <charconv>
#include <cmath>
#include <vector>

#include "common/strings.h"

namespace vs {
namespace {

constexpr std::string_view kSpaces = " \t";

// The whole of `s` must be the number: "12abc" is garbage, not 12.
std::optional<uint64_t> to_u64(std::string_view s) {
  uint64_t v = 0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return v;
}

std::optional<double> to_double(std::string_view s) {
  double v = 0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc{} || ptr != end || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

// Calls fn(line) for each line until it returns true.
template <class Fn>
void for_each_line(std::string_view text, Fn fn) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (fn(line)) return;
    if (nl == std::string_view::npos) return;
    text.remove_prefix(nl + 1);
  }
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  for (;;) {
    const size_t b = line.find_first_not_of(kSpaces);
    if (b == std::string_view::npos) break;
    line.remove_prefix(b);
    const size_t e = line.find_first_of(kSpaces);
    words.push_back(line.substr(0, e));
    if (e == std::string_view::npos) break;
    line.remove_prefix(e);
  }
  return words;
}

// The value of "Key:   123 kB" in meminfo, or an error naming the key.
Parsed<uint64_t> meminfo_field(std::string_view text, std::string_view key) {
  std::optional<std::string_view> raw;
  for_each_line(text, [&](std::string_view line) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.substr(0, colon) != key) return false;
    raw = trim(line.substr(colon + 1));
    return true;
  });
  if (!raw) return Parsed<uint64_t>::fail("no " + std::string(key) + " line");
  std::string_view number = *raw;
  if (number.size() >= 2 && number.substr(number.size() - 2) == "kB") {
    number = trim(number.substr(0, number.size() - 2));
  }
  const auto v = to_u64(number);
  if (!v) return Parsed<uint64_t>::fail("cannot parse " + std::string(key));
  return Parsed<uint64_t>::ok(*v);
}

}  // namespace

Parsed<MemInfo> parse_meminfo(std::string_view text) {
  const auto total = meminfo_field(text, "MemTotal");
  if (!total) return Parsed<MemInfo>::fail(total.error);
  const auto available = meminfo_field(text, "MemAvailable");
  if (!available) return Parsed<MemInfo>::fail(available.error);
  if (*total.value == 0) return Parsed<MemInfo>::fail("MemTotal is 0");
  if (*available.value > *total.value) {
    return Parsed<MemInfo>::fail("MemAvailable is larger than MemTotal");
  }
  return Parsed<MemInfo>::ok(MemInfo{*total.value, *available.value});
}

Parsed<CpuTimes> parse_cpu_line(std::string_view text) {
  std::vector<std::string_view> words;
  for_each_line(text, [&](std::string_view line) {
    auto w = split_words(line);
    if (w.empty() || w[0] != "cpu") return false;
    words = std::move(w);
    return true;
  });
  if (words.empty()) return Parsed<CpuTimes>::fail("no \"cpu\" line");

  // Fields after "cpu": user nice system idle iowait irq softirq steal guest guest_nice.
  // Old kernels stop after idle; counting beyond steal would add guest time twice.
  constexpr size_t kIdle = 3, kIowait = 4, kCounted = 8;
  const size_t fields = words.size() - 1;
  if (fields <= kIdle) return Parsed<CpuTimes>::fail("too few fields on the \"cpu\" line");
  uint64_t total = 0, idle = 0;
  for (size_t i = 0; i < fields && i < kCounted; ++i) {
    const auto v = to_u64(words[i + 1]);
    if (!v) return Parsed<CpuTimes>::fail("cannot parse the \"cpu\" line");
    total += *v;
    if (i == kIdle || i == kIowait) idle += *v;
  }
  if (total == 0) return Parsed<CpuTimes>::fail("the \"cpu\" line counts no time");
  return Parsed<CpuTimes>::ok(CpuTimes{total - idle, total});
}

Parsed<uint64_t> parse_process_cpu_ticks(std::string_view text) {
  const size_t comm_end = text.rfind(')');
  if (comm_end == std::string_view::npos) return Parsed<uint64_t>::fail("no \"(comm)\" field");
  // After the comm: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime(14) stime(15) cutime(16) cstime(17) ...
  const auto words = split_words(trim(text.substr(comm_end + 1)));
  constexpr size_t kUtime = 11, kCounted = 4;
  if (words.size() < kUtime + kCounted) return Parsed<uint64_t>::fail("too few fields");
  uint64_t ticks = 0;
  for (size_t i = kUtime; i < kUtime + kCounted; ++i) {
    const auto v = to_u64(words[i]);  // cutime/cstime are signed in the kernel; never negative
    if (!v) return Parsed<uint64_t>::fail("cannot parse the CPU times");
    ticks += *v;
  }
  return Parsed<uint64_t>::ok(ticks);
}

Parsed<double> parse_psi(std::string_view text) {
  std::optional<std::string_view> avg10;
  bool have_some = false;
  for_each_line(text, [&](std::string_view line) {
    const auto words = split_words(line);
    if (words.empty() || words[0] != "some") return false;
    have_some = true;
    for (const auto w : words) {
      if (w.substr(0, 6) == "avg10=") avg10 = w.substr(6);
    }
    return true;
  });
  if (!have_some) return Parsed<double>::fail("no \"some\" line");
  if (!avg10) return Parsed<double>::fail("no avg10 on the \"some\" line");
  const auto v = to_double(*avg10);
  if (!v) return Parsed<double>::fail("cannot parse some avg10");
  return Parsed<double>::ok(*v);
}

Parsed<std::optional<uint64_t>> parse_cgroup_memory_max(std::string_view text) {
  const std::string_view t = trim(text);
  if (t == "max") return Parsed<std::optional<uint64_t>>::ok(std::nullopt);
  const auto v = to_u64(t);
  if (!v) return Parsed<std::optional<uint64_t>>::fail("cannot parse the limit");
  return Parsed<std::optional<uint64_t>>::ok(*v);
}

Parsed<uint64_t> parse_cgroup_bytes(std::string_view text) {
  const auto v = to_u64(trim(text));
  if (!v) return Parsed<uint64_t>::fail("cannot parse the value");
  return Parsed<uint64_t>::ok(*v);
}

std::optional<std::string> parse_cgroup_v2_path(std::string_view text) {
  std::optional<std::string_view> path;  // after the first "0::"
  for_each_line(text, [&](std::string_view line) {
    if (line.substr(0, 3) != "0::") return false;
    path = line.substr(3);
    return true;
  });
  // A path with ".." (or a deleted cgroup's " (deleted)") must not lead outside the root.
  if (!path || path->empty() || path->front() != '/' || path->find("..") != std::string_view::npos ||
      path->find(' ') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(*path);
}

}  // namespace vs
