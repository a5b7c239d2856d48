// read_pressure_sample() against fixture trees: what it measures, and that every failure becomes
// an invalid sample whose reason names the file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gate/pressure_sample.h"
#include "fixture_dir.h"

namespace vs {
namespace {

using test::FixtureDir;
using test::meminfo_text;
using test::process_stat_text;
using test::psi_text;
using test::stat_text;

constexpr uint64_t kGiBinKb = 1024 * 1024;
constexpr uint64_t kGiB = 1024ull * 1024 * 1024;

TEST(ReadPressureSample, HealthyMachineWithoutPsiOrCgroup) {
  FixtureDir dir;
  dir.write("proc/meminfo", meminfo_text(16 * kGiBinKb, 12 * kGiBinKb));
  dir.write("proc/stat", stat_text(1000, 9000));

  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_TRUE(s.valid) << s.reason;
  EXPECT_EQ(s.reason, "");
  EXPECT_DOUBLE_EQ(s.memory_total_mb, 16384);
  EXPECT_DOUBLE_EQ(s.memory_available_mb, 12288);
  EXPECT_DOUBLE_EQ(s.memory_percent, 25);
  EXPECT_FALSE(s.cpu_percent) << "no delta on the first sample";
  EXPECT_FALSE(s.psi_some_avg10);
  EXPECT_FALSE(s.cgroup_limited);
  EXPECT_EQ(s.cpu_times.total, 10000u);
  EXPECT_EQ(s.cpu_times.busy, 1000u);
  EXPECT_NE(s.timestamp, WallTime{});
  EXPECT_NE(s.taken_at, SteadyTime{});
}

TEST(ReadPressureSample, CpuPercentIsTheDeltaAgainstThePreviousSample) {
  FixtureDir dir;
  dir.write_healthy();  // busy 1000 of 10000
  const PressureSample first = read_pressure_sample(dir.paths(), nullptr);
  dir.write("proc/stat", stat_text(1000 + 600, 9000 + 400));  // +600 busy of +1000
  const PressureSample second = read_pressure_sample(dir.paths(), &first);
  ASSERT_TRUE(second.valid) << second.reason;
  ASSERT_TRUE(second.cpu_percent);
  EXPECT_DOUBLE_EQ(*second.cpu_percent, 60.0);

  const PressureSample third = read_pressure_sample(dir.paths(), &second);
  EXPECT_FALSE(third.cpu_percent) << "no time passed: unknown, not 0";
}

TEST(ReadPressureSample, MissingMeminfoNamesTheFileAndErrno) {
  FixtureDir dir;
  dir.write("proc/stat", stat_text(1, 9));
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot read " + dir.path("proc/meminfo") + ": No such file or directory");
}

TEST(ReadPressureSample, MissingStatNamesTheFile) {
  FixtureDir dir;
  dir.write("proc/meminfo", meminfo_text(100, 50));
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot read " + dir.path("proc/stat") + ": No such file or directory");
}

TEST(ReadPressureSample, UnreadableMeminfoIsInvalid) {
  FixtureDir dir;
  dir.write_healthy();
  dir.make_directory_at("proc/meminfo");
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot read " + dir.path("proc/meminfo") + ": Is a directory");
}

TEST(ReadPressureSample, GarbageMeminfoNamesFieldAndFile) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/meminfo", "MemTotal: 100 kB\nMemAvailable: ??? kB\n");
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot parse MemAvailable in " + dir.path("proc/meminfo"));
}

TEST(ReadPressureSample, ZeroMemTotalIsInvalid) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/meminfo", meminfo_text(0, 0));
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "MemTotal is 0 in " + dir.path("proc/meminfo"));
}

TEST(ReadPressureSample, GarbageStatIsInvalid) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/stat", "hello\n");
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "no \"cpu\" line in " + dir.path("proc/stat"));
}

TEST(ReadPressureSample, FailedStatKeepsThePreviousCountersForTheNextDelta) {
  FixtureDir dir;
  dir.write_healthy();
  const PressureSample first = read_pressure_sample(dir.paths(), nullptr);
  dir.remove("proc/stat");
  const PressureSample broken = read_pressure_sample(dir.paths(), &first);
  EXPECT_FALSE(broken.valid);
  EXPECT_EQ(broken.cpu_times.total, first.cpu_times.total);
  dir.write("proc/stat", stat_text(1000 + 100, 9000 + 900));
  const PressureSample after = read_pressure_sample(dir.paths(), &broken);
  ASSERT_TRUE(after.cpu_percent);
  EXPECT_DOUBLE_EQ(*after.cpu_percent, 10.0);
}

// --- the supervised worker's CPU (DESIGN.md §5) ---

constexpr pid_t kWorker = 4242;

TEST(ReadPressureSample, TheWorkersCpuIsLeftOutOfTheGatingFigure) {
  FixtureDir dir;
  dir.write_healthy();  // busy 1000 of 10000
  dir.write("proc/4242/stat", process_stat_text(kWorker, 300, 100, 50, 50));
  const PressureSample first = read_pressure_sample(dir.paths(), nullptr, kWorker);
  ASSERT_TRUE(first.excluded_group);
  EXPECT_EQ(first.excluded_group->leader, kWorker);
  EXPECT_EQ(first.excluded_group->ticks, 500u);

  // +900 busy of +1000 on the machine; the worker's threads +700, its reaped children +100.
  dir.write("proc/stat", stat_text(1000 + 900, 9000 + 100));
  dir.write("proc/4242/stat", process_stat_text(kWorker, 800, 300, 100, 100));
  const PressureSample second = read_pressure_sample(dir.paths(), &first, kWorker);
  ASSERT_TRUE(second.valid) << second.reason;
  ASSERT_TRUE(second.cpu_percent_total && second.cpu_percent);
  EXPECT_DOUBLE_EQ(*second.cpu_percent_total, 90.0);
  EXPECT_DOUBLE_EQ(*second.cpu_percent, 10.0);
}

TEST(ReadPressureSample, WithoutAWorkerBothFiguresAreTheMachines) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/4242/stat", process_stat_text(kWorker, 0, 0));
  const PressureSample first = read_pressure_sample(dir.paths(), nullptr);
  dir.write("proc/stat", stat_text(1000 + 600, 9000 + 400));
  dir.write("proc/4242/stat", process_stat_text(kWorker, 500, 0));  // not ours: not excluded
  const PressureSample second = read_pressure_sample(dir.paths(), &first);
  EXPECT_FALSE(second.excluded_group);
  ASSERT_TRUE(second.cpu_percent && second.cpu_percent_total);
  EXPECT_DOUBLE_EQ(*second.cpu_percent, 60.0);
  EXPECT_DOUBLE_EQ(*second.cpu_percent_total, 60.0);
}

TEST(ReadPressureSample, AWorkerGoneSinceTheLastSampleExcludesNothing) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/4242/stat", process_stat_text(kWorker, 100, 0));
  const PressureSample first = read_pressure_sample(dir.paths(), nullptr, kWorker);
  dir.write("proc/stat", stat_text(1000 + 600, 9000 + 400));
  dir.remove("proc/4242");  // exited and reaped between the supervisor's answer and the read
  const PressureSample second = read_pressure_sample(dir.paths(), &first, kWorker);
  EXPECT_TRUE(second.valid) << "our worker exiting is no reason to distrust the machine's figures";
  ASSERT_TRUE(second.cpu_percent);
  EXPECT_DOUBLE_EQ(*second.cpu_percent, 60.0);
  EXPECT_DOUBLE_EQ(*second.cpu_percent, *second.cpu_percent_total);
}

TEST(ReadPressureSample, AnUnreadableWorkerStatKeepsTheSampleValid) {
  FixtureDir dir;
  dir.write_healthy();
  const PressureSample first = read_pressure_sample(dir.paths(), nullptr, kWorker);
  for (const auto& broken : {std::string("dir"), std::string("garbage"), std::string("absent")}) {
    if (broken == "dir") dir.make_directory_at("proc/4242/stat");
    if (broken == "garbage") dir.write("proc/4242/stat", "4242 (python3) S 1 2 3\n");
    if (broken == "absent") dir.remove("proc/4242");
    dir.write("proc/stat", stat_text(1000 + 500, 9000 + 500));
    const PressureSample s = read_pressure_sample(dir.paths(), &first, kWorker);
    EXPECT_TRUE(s.valid) << broken << ": " << s.reason;
    ASSERT_TRUE(s.excluded_group) << broken;
    EXPECT_FALSE(s.excluded_group->ticks) << broken;
    ASSERT_TRUE(s.cpu_percent) << broken;
    EXPECT_DOUBLE_EQ(*s.cpu_percent, 50.0) << broken;
  }
}

TEST(ReadPressureSample, ANewWorkerCountsItsWholeLifeAsThisInterval) {
  FixtureDir dir;
  dir.write_healthy();
  const PressureSample first = read_pressure_sample(dir.paths(), nullptr);  // no worker yet
  dir.write("proc/stat", stat_text(1000 + 800, 9000 + 200));
  dir.write("proc/4242/stat", process_stat_text(kWorker, 600, 100));  // loading its model
  const PressureSample second = read_pressure_sample(dir.paths(), &first, kWorker);
  ASSERT_TRUE(second.cpu_percent && second.cpu_percent_total);
  EXPECT_DOUBLE_EQ(*second.cpu_percent_total, 80.0);
  EXPECT_DOUBLE_EQ(*second.cpu_percent, 10.0);
}

TEST(ReadPressureSample, FailedStatCarriesTheWorkersCountersOverWithTheMachines) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/4242/stat", process_stat_text(kWorker, 100, 0));
  const PressureSample first = read_pressure_sample(dir.paths(), nullptr, kWorker);
  dir.remove("proc/stat");
  dir.write("proc/4242/stat", process_stat_text(kWorker, 200, 0));
  const PressureSample broken = read_pressure_sample(dir.paths(), &first, kWorker);
  ASSERT_FALSE(broken.valid);
  ASSERT_TRUE(broken.excluded_group);
  EXPECT_EQ(broken.excluded_group->ticks, 100u) << "both bases must be from the same moment";

  dir.write("proc/stat", stat_text(1000 + 600, 9000 + 400));
  dir.write("proc/4242/stat", process_stat_text(kWorker, 500, 0));
  const PressureSample after = read_pressure_sample(dir.paths(), &broken, kWorker);
  ASSERT_TRUE(after.cpu_percent);
  EXPECT_DOUBLE_EQ(*after.cpu_percent, 20.0);  // 600 busy - 400 worker, of 1000
}

TEST(ReadPressureSample, ANonPositivePidNamesNoWorker) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/0/stat", process_stat_text(0, 100, 0));
  EXPECT_FALSE(read_pressure_sample(dir.paths(), nullptr, 0).excluded_group);
  EXPECT_FALSE(read_pressure_sample(dir.paths(), nullptr, -1).excluded_group);
}

TEST(ReadPressureSample, PsiIsReadWhenPresent) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/pressure/memory", psi_text(12.5));
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  ASSERT_TRUE(s.valid) << s.reason;
  ASSERT_TRUE(s.psi_some_avg10);
  EXPECT_DOUBLE_EQ(*s.psi_some_avg10, 12.5);
}

TEST(ReadPressureSample, PsiPresentButUnreadableIsInvalid) {
  FixtureDir dir;
  dir.write_healthy();
  dir.make_directory_at("proc/pressure/memory");
  PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot read " + dir.path("proc/pressure/memory") + ": Is a directory");

  dir.make_dangling_symlink_at("proc/pressure/memory");
  s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid) << "a dangling symlink is present, not absent";
  EXPECT_EQ(s.reason,
            "cannot read " + dir.path("proc/pressure/memory") + ": No such file or directory");
}

TEST(ReadPressureSample, PsiGarbageIsInvalid) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/pressure/memory", "some avg10=lots\n");
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot parse some avg10 in " + dir.path("proc/pressure/memory"));
}

TEST(ReadPressureSample, CgroupLimitBelowMemTotalNarrowsTotalAndAvailable) {
  FixtureDir dir;
  dir.write("proc/meminfo", meminfo_text(16 * kGiBinKb, 12 * kGiBinKb));
  dir.write("proc/stat", stat_text(1, 9));
  dir.write("cgroup/memory.max", std::to_string(4 * kGiB) + "\n");
  dir.write("cgroup/memory.current", std::to_string(3 * kGiB) + "\n");
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  ASSERT_TRUE(s.valid) << s.reason;
  EXPECT_TRUE(s.cgroup_limited);
  EXPECT_DOUBLE_EQ(s.memory_total_mb, 4096);
  EXPECT_DOUBLE_EQ(s.memory_available_mb, 1024);
  EXPECT_DOUBLE_EQ(s.memory_percent, 75);
}

TEST(ReadPressureSample, CgroupUsageAboveItsLimitLeavesNothingAvailable) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("cgroup/memory.max", std::to_string(kGiB));
  dir.write("cgroup/memory.current", std::to_string(kGiB + 4096));
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  ASSERT_TRUE(s.valid) << s.reason;
  EXPECT_DOUBLE_EQ(s.memory_available_mb, 0);
  EXPECT_DOUBLE_EQ(s.memory_percent, 100);
}

TEST(ReadPressureSample, CgroupMaxMeansMeminfoDecides) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("cgroup/memory.max", "max\n");
  dir.write("cgroup/memory.current", std::to_string(15 * kGiB));
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  ASSERT_TRUE(s.valid) << s.reason;
  EXPECT_FALSE(s.cgroup_limited);
  EXPECT_DOUBLE_EQ(s.memory_total_mb, 16384);
  EXPECT_DOUBLE_EQ(s.memory_available_mb, 12288);
}

TEST(ReadPressureSample, CgroupLimitAboveTheMachineChangesNothing) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("cgroup/memory.max", std::to_string(64 * kGiB));
  dir.write("cgroup/memory.current", std::to_string(kGiB));
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  ASSERT_TRUE(s.valid) << s.reason;
  EXPECT_FALSE(s.cgroup_limited);
  EXPECT_DOUBLE_EQ(s.memory_total_mb, 16384);
  EXPECT_DOUBLE_EQ(s.memory_available_mb, 12288);
}

TEST(ReadPressureSample, CgroupLimitWithoutUsageIsInvalid) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("cgroup/memory.max", std::to_string(kGiB));
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason,
            "cannot read " + dir.path("cgroup/memory.current") + ": No such file or directory");
}

TEST(ReadPressureSample, CgroupGarbageOrUnreadableIsInvalid) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("cgroup/memory.max", "lots\n");
  PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot parse the limit in " + dir.path("cgroup/memory.max"));

  dir.make_directory_at("cgroup/memory.max");
  s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot read " + dir.path("cgroup/memory.max") + ": Is a directory");

  dir.write("cgroup/memory.max", std::to_string(kGiB));
  dir.write("cgroup/memory.current", "-1\n");
  s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot parse the value in " + dir.path("cgroup/memory.current"));
}

TEST(ReadPressureSample, ZeroCgroupLimitIsInvalid) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("cgroup/memory.max", "0\n");
  dir.write("cgroup/memory.current", "0\n");
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "memory limit is 0 in " + dir.path("cgroup/memory.max"));
}

TEST(ReadPressureSample, TrailingSlashInRootsGivesCleanPaths) {
  FixtureDir dir;
  dir.write("proc/stat", stat_text(1, 9));
  const PressureSample s =
      read_pressure_sample(PressurePaths{dir.proc() + "/", dir.cgroup() + "/"}, nullptr);
  EXPECT_EQ(s.reason, "cannot read " + dir.path("proc/meminfo") + ": No such file or directory");
}

TEST(ReadPressureSample, MissingRootIsInvalidNotACrash) {
  const PressureSample s =
      read_pressure_sample(PressurePaths{"/nonexistent/vs-proc", "/nonexistent/vs-cg"}, nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot read /nonexistent/vs-proc/stat: No such file or directory");
}

TEST(ReadPressureSample, OwnCgroupAndItsAncestorsLimitMemory) {
  FixtureDir dir;
  dir.write("proc/meminfo", meminfo_text(16 * kGiBinKb, 12 * kGiBinKb));
  dir.write("proc/stat", stat_text(1, 9));
  dir.write("proc/self/cgroup", "0::/app.slice/voice.service\n");
  // The service itself may use 8 GiB, but its slice only 4 GiB, of which 3 GiB are in use.
  dir.write("cgroup/app.slice/voice.service/memory.max", std::to_string(8 * kGiB) + "\n");
  dir.write("cgroup/app.slice/voice.service/memory.current", std::to_string(kGiB) + "\n");
  dir.write("cgroup/app.slice/memory.max", std::to_string(4 * kGiB) + "\n");
  dir.write("cgroup/app.slice/memory.current", std::to_string(3 * kGiB) + "\n");
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  ASSERT_TRUE(s.valid) << s.reason;
  EXPECT_TRUE(s.cgroup_limited);
  EXPECT_DOUBLE_EQ(s.memory_total_mb, 4096);
  EXPECT_DOUBLE_EQ(s.memory_available_mb, 1024);
}

TEST(ReadPressureSample, BrokenLimitInOwnCgroupNamesTheFile) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/self/cgroup", "0::/svc\n");
  dir.write("cgroup/svc/memory.max", "lots\n");
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "cannot parse the limit in " + dir.path("cgroup/svc/memory.max"));
}

TEST(ReadPressureSample, ZeroLimitInNestedCgroupNamesThatFile) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/self/cgroup", "0::/app.slice/voice.service\n");
  dir.write("cgroup/app.slice/voice.service/memory.max", "max\n");
  dir.write("cgroup/app.slice/memory.max", "0\n");
  dir.write("cgroup/app.slice/memory.current", "0\n");
  const PressureSample s = read_pressure_sample(dir.paths(), nullptr);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.reason, "memory limit is 0 in " + dir.path("cgroup/app.slice/memory.max"));
}

TEST(ReadPressureSample, ResolvedCgroupDirsAreUsedWithoutRereadingSelfCgroup) {
  FixtureDir dir;
  dir.write_healthy();
  dir.write("proc/self/cgroup", "0::/app.slice/voice.service\n");
  PressurePaths paths = dir.paths();
  paths.cgroup_dirs = resolve_cgroup_dirs(paths);
  EXPECT_EQ(paths.cgroup_dirs,
            (std::vector<std::string>{dir.path("cgroup/app.slice/voice.service"),
                                      dir.path("cgroup/app.slice"), dir.cgroup()}));

  dir.remove("proc/self/cgroup");  // resolved once: the sample still reads the service's limit
  dir.write("cgroup/app.slice/voice.service/memory.max", std::to_string(4 * kGiB) + "\n");
  dir.write("cgroup/app.slice/voice.service/memory.current", std::to_string(3 * kGiB) + "\n");
  const PressureSample s = read_pressure_sample(paths, nullptr);
  ASSERT_TRUE(s.valid) << s.reason;
  EXPECT_TRUE(s.cgroup_limited);
  EXPECT_DOUBLE_EQ(s.memory_total_mb, 4096);
}

TEST(ReadPressureSample, WithoutAV2EntryTheChainIsTheRoot) {
  FixtureDir dir;
  dir.write("proc/self/cgroup", "1:memory:/legacy\n");
  EXPECT_EQ(resolve_cgroup_dirs(dir.paths()), (std::vector<std::string>{dir.cgroup()}));
}

}  // namespace
}  // namespace vs
