// The parsers on real /proc text (copied from a Linux 6.x machine) and on garbage.
#include "gate/proc_parsers.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

constexpr const char* kRealMeminfo =
    "MemTotal:       16318480 kB\n"
    "MemFree:          812344 kB\n"
    "MemAvailable:   11003216 kB\n"
    "Buffers:          402112 kB\n"
    "Cached:          9021236 kB\n"
    "HugePages_Total:       0\n"
    "Hugepagesize:       2048 kB\n";

constexpr const char* kRealStat =
    "cpu  4705 356 584 3699176 2330 0 77 0 120 7\n"
    "cpu0 1393 280 228 924147 546 0 51 0 60 3\n"
    "cpu1 3312 76 356 2775029 1784 0 26 0 60 4\n"
    "intr 1462898 26 9 0 0 0 0 3 0 1 0 0\n"
    "ctxt 2218496\n"
    "btime 1700000000\n";

constexpr const char* kRealPsi =
    "some avg10=1.53 avg60=0.87 avg300=0.20 total=4182393\n"
    "full avg10=0.41 avg60=0.22 avg300=0.05 total=1710222\n";

// --- meminfo ---

TEST(ParseMeminfo, ReadsTotalAndAvailableFromRealText) {
  const auto m = parse_meminfo(kRealMeminfo);
  ASSERT_TRUE(m) << m.error;
  EXPECT_EQ(m.value->total_kb, 16318480u);
  EXPECT_EQ(m.value->available_kb, 11003216u);
}

TEST(ParseMeminfo, AcceptsMissingUnitAndCrlf) {
  const auto m = parse_meminfo("MemTotal: 100\r\nMemAvailable: 40 kB\r\n");
  ASSERT_TRUE(m) << m.error;
  EXPECT_EQ(m.value->total_kb, 100u);
  EXPECT_EQ(m.value->available_kb, 40u);
}

TEST(ParseMeminfo, MissingMemAvailableIsNamed) {
  const auto m = parse_meminfo("MemTotal: 100 kB\nMemFree: 50 kB\n");
  EXPECT_FALSE(m);
  EXPECT_EQ(m.error, "no MemAvailable line");
}

TEST(ParseMeminfo, MissingMemTotalIsNamed) {
  EXPECT_EQ(parse_meminfo("MemAvailable: 50 kB\n").error, "no MemTotal line");
  EXPECT_EQ(parse_meminfo("").error, "no MemTotal line");
}

TEST(ParseMeminfo, GarbageNumbersAreNamed) {
  EXPECT_EQ(parse_meminfo("MemTotal: 100 kB\nMemAvailable: lots kB\n").error,
            "cannot parse MemAvailable");
  EXPECT_EQ(parse_meminfo("MemTotal: 12abc kB\nMemAvailable: 1 kB\n").error,
            "cannot parse MemTotal");
  EXPECT_EQ(parse_meminfo("MemTotal: -5 kB\nMemAvailable: 1 kB\n").error,
            "cannot parse MemTotal");
  EXPECT_EQ(parse_meminfo("MemTotal: 99999999999999999999999 kB\nMemAvailable: 1 kB\n").error,
            "cannot parse MemTotal");
  EXPECT_EQ(parse_meminfo("MemTotal:\nMemAvailable: 1 kB\n").error, "cannot parse MemTotal");
}

TEST(ParseMeminfo, ZeroTotalAndAvailableAboveTotalAreErrors) {
  EXPECT_EQ(parse_meminfo("MemTotal: 0 kB\nMemAvailable: 0 kB\n").error, "MemTotal is 0");
  EXPECT_EQ(parse_meminfo("MemTotal: 10 kB\nMemAvailable: 11 kB\n").error,
            "MemAvailable is larger than MemTotal");
}

TEST(ParseMeminfo, BinaryGarbageIsAnErrorNotACrash) {
  const std::string junk("\x00\xff\x01:\n::\n\n", 9);
  EXPECT_FALSE(parse_meminfo(junk));
}

// --- /proc/stat ---

TEST(ParseCpuLine, SumsUserToStealAndExcludesGuest) {
  const auto c = parse_cpu_line(kRealStat);
  ASSERT_TRUE(c) << c.error;
  // user+nice+system+idle+iowait+irq+softirq+steal; guest (120, 7) is already inside user/nice.
  const uint64_t total = 4705 + 356 + 584 + 3699176 + 2330 + 0 + 77 + 0;
  EXPECT_EQ(c.value->total, total);
  EXPECT_EQ(c.value->busy, total - 3699176 - 2330);
}

TEST(ParseCpuLine, AcceptsTheLineAloneAndOldKernelsWithFourFields) {
  const auto c = parse_cpu_line("cpu 10 0 10 80");
  ASSERT_TRUE(c) << c.error;
  EXPECT_EQ(c.value->total, 100u);
  EXPECT_EQ(c.value->busy, 20u);
}

TEST(ParseCpuLine, IgnoresPerCpuLines) {
  EXPECT_EQ(parse_cpu_line("cpu0 1 2 3 4 5\ncpu1 1 2 3 4 5\n").error, "no \"cpu\" line");
}

TEST(ParseCpuLine, GarbageIsAnError) {
  EXPECT_EQ(parse_cpu_line("").error, "no \"cpu\" line");
  EXPECT_EQ(parse_cpu_line("cpu 1 2 3\n").error, "too few fields on the \"cpu\" line");
  EXPECT_EQ(parse_cpu_line("cpu 1 2 x 4 5\n").error, "cannot parse the \"cpu\" line");
  EXPECT_EQ(parse_cpu_line("cpu 0 0 0 0 0\n").error, "the \"cpu\" line counts no time");
}

// --- /proc/<pid>/stat ---

TEST(ParseProcessCpuTicks, SumsUtimeStimeCutimeCstime) {
  // The real line of a running python3 (fields 14..17 are 4210 391 17 3).
  const auto p = parse_process_cpu_ticks(
      "4243 (python3) S 4100 4243 4243 0 -1 4194560 51234 0 12 0 4210 391 17 3 20 0 8 0 "
      "104112 1234567890 54321 18446744073709551615 1 1 0 0 0 0 0 16781312 2 0 0 0 17 1 0 0 0 0 0\n");
  ASSERT_TRUE(p) << p.error;
  EXPECT_EQ(*p.value, 4210u + 391 + 17 + 3);
}

TEST(ParseProcessCpuTicks, CountsFieldsFromTheLastParenthesis) {
  // A command name "a) 1 2 3 (b" would shift every field for a parser that stops at the first ')'.
  const auto p = parse_process_cpu_ticks(
      "77 (a) 1 2 3 (b) R 1 77 77 0 -1 0 0 0 0 0 100 20 3 4 20 0 1 0 5 6 7\n");
  ASSERT_TRUE(p) << p.error;
  EXPECT_EQ(*p.value, 127u);
}

TEST(ParseProcessCpuTicks, GarbageIsAnError) {
  EXPECT_EQ(parse_process_cpu_ticks("").error, "no \"(comm)\" field");
  EXPECT_EQ(parse_process_cpu_ticks("77 (x) S 1 77 77 0 -1 0 0 0 0 0 100 20\n").error,
            "too few fields");
  EXPECT_EQ(parse_process_cpu_ticks("77 (x) S 1 77 77 0 -1 0 0 0 0 0 100 20 -3 4\n").error,
            "cannot parse the CPU times");
}

// --- PSI ---

TEST(ParsePsi, ReadsSomeAvg10) {
  const auto p = parse_psi(kRealPsi);
  ASSERT_TRUE(p) << p.error;
  EXPECT_DOUBLE_EQ(*p.value, 1.53);
}

TEST(ParsePsi, GarbageIsAnError) {
  EXPECT_EQ(parse_psi("").error, "no \"some\" line");
  EXPECT_EQ(parse_psi("full avg10=0.41 avg60=0.22\n").error, "no \"some\" line");
  EXPECT_EQ(parse_psi("some avg60=0.87\n").error, "no avg10 on the \"some\" line");
  EXPECT_EQ(parse_psi("some avg10=abc avg60=0.87\n").error, "cannot parse some avg10");
  EXPECT_EQ(parse_psi("some avg10=-1 avg60=0.87\n").error, "cannot parse some avg10");
  EXPECT_EQ(parse_psi("some avg10=inf\n").error, "cannot parse some avg10");
  EXPECT_EQ(parse_psi("some avg10=\n").error, "cannot parse some avg10");
}

// --- cgroup v2 ---

TEST(ParseCgroupMemoryMax, MaxMeansNoLimit) {
  const auto m = parse_cgroup_memory_max("max\n");
  ASSERT_TRUE(m) << m.error;
  EXPECT_FALSE(*m.value);
}

TEST(ParseCgroupMemoryMax, ReadsBytes) {
  const auto m = parse_cgroup_memory_max("4294967296\n");
  ASSERT_TRUE(m) << m.error;
  ASSERT_TRUE(*m.value);
  EXPECT_EQ(**m.value, 4294967296u);
}

TEST(ParseCgroupMemoryMax, GarbageIsAnError) {
  EXPECT_EQ(parse_cgroup_memory_max("").error, "cannot parse the limit");
  EXPECT_EQ(parse_cgroup_memory_max("maximum\n").error, "cannot parse the limit");
  EXPECT_EQ(parse_cgroup_memory_max("4G\n").error, "cannot parse the limit");
}

TEST(ParseCgroupBytes, ReadsBytesAndRejectsGarbage) {
  ASSERT_TRUE(parse_cgroup_bytes("123456\n"));
  EXPECT_EQ(*parse_cgroup_bytes("123456\n").value, 123456u);
  EXPECT_EQ(parse_cgroup_bytes("max\n").error, "cannot parse the value");
  EXPECT_EQ(parse_cgroup_bytes("1 2\n").error, "cannot parse the value");
}

}  // namespace
}  // namespace vs

namespace vs {
namespace {

TEST(ParseCgroupV2Path, FindsTheUnifiedEntry) {
  EXPECT_EQ(parse_cgroup_v2_path("0::/user.slice/voice.service\n"), "/user.slice/voice.service");
  EXPECT_EQ(parse_cgroup_v2_path("12:memory:/docker/abc\n1:name=systemd:/x\n0::/a/b\n"), "/a/b");
  EXPECT_EQ(parse_cgroup_v2_path("0::/\n"), "/");
}

TEST(ParseCgroupV2Path, RejectsWhatCouldLeaveTheRoot) {
  EXPECT_EQ(parse_cgroup_v2_path("12:memory:/docker/abc\n"), std::nullopt);  // v1 only
  EXPECT_EQ(parse_cgroup_v2_path("0::/../../etc\n"), std::nullopt);
  EXPECT_EQ(parse_cgroup_v2_path("0::/gone (deleted)\n"), std::nullopt);
  EXPECT_EQ(parse_cgroup_v2_path("0::relative\n"), std::nullopt);
  EXPECT_EQ(parse_cgroup_v2_path(""), std::nullopt);
}

}  // namespace
}  // namespace vs
