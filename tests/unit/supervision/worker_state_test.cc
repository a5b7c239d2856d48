#include "supervision/worker_state.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(WorkerState, Names) {
  EXPECT_STREQ(to_string(WorkerState::Stopped), "stopped");
  EXPECT_STREQ(to_string(WorkerState::Starting), "starting");
  EXPECT_STREQ(to_string(WorkerState::Running), "running");
  EXPECT_STREQ(to_string(WorkerState::Stopping), "stopping");
  EXPECT_STREQ(to_string(WorkerState::Backoff), "backoff");
  EXPECT_STREQ(to_string(WorkerState::Failed), "failed");
  EXPECT_STREQ(to_string(CrashCause::PingTimeout), "ping_timeout");
}

TEST(WorkerState, EmptySnapshotHasNullsNotZeroDates) {
  const auto j = to_json(WorkerSnapshot{});
  EXPECT_EQ(j["state"], "stopped");
  EXPECT_TRUE(j["pid"].is_null());
  EXPECT_TRUE(j["started_at"].is_null());
  EXPECT_TRUE(j["ready_at"].is_null());
  EXPECT_TRUE(j["backoff_until"].is_null());
  EXPECT_TRUE(j["last_health_check_at"].is_null());
  EXPECT_EQ(j["restart_count"], 0);
  EXPECT_EQ(j["last_exit"], "");
  for (const char* key : {"state", "pid", "started_at", "ready_at", "restart_count", "crash_count",
                          "last_exit", "last_error", "backoff_until", "engine", "model",
                          "health_failures", "last_health_check_at"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(WorkerState, FilledSnapshot) {
  WorkerSnapshot w;
  w.state = WorkerState::Running;
  w.pid = 1234;
  w.started_at = WallTime(std::chrono::milliseconds(1'700'000'000'123));
  w.engine = "test";
  w.crash_count = 2;
  const auto j = to_json(w);
  EXPECT_EQ(j["state"], "running");
  EXPECT_EQ(j["pid"], 1234);
  EXPECT_EQ(j["started_at"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["engine"], "test");
  EXPECT_EQ(j["crash_count"], 2);
}

}  // namespace
}  // namespace vs

namespace vs {
namespace {

DecodeRequest asking(std::string model, std::string language) {
  DecodeRequest d;
  d.model = std::move(model);
  d.language = std::move(language);
  return d;
}

WorkerSnapshot serving_tiny_and_base() {
  WorkerSnapshot w;
  w.model = "tiny.en";
  w.models = {{"tiny.en", "faster-whisper", {"en"}, false}, {"base", "faster-whisper", {"de", "en", "fr"}, true}};
  return w;
}

TEST(WhyNotServed, NamesWhatIsInstalledWhenTheModelOrLanguageIsMissing) {
  const WorkerSnapshot w = serving_tiny_and_base();
  EXPECT_EQ(why_not_served(w, {}), "");
  EXPECT_EQ(why_not_served(w, asking("", "en")), "");
  EXPECT_EQ(why_not_served(w, asking("base", "fr")), "");
  EXPECT_EQ(why_not_served(w, asking("", "auto")), "");
  EXPECT_EQ(why_not_served(w, asking("", "fr")),
            "model tiny.en transcribes English only, not language 'fr'; installed: tiny.en (en), base (3 languages) "
            "(GET /v1/models)");
  EXPECT_EQ(why_not_served(w, asking("base", "xx")),
            "model base does not transcribe language 'xx' (it transcribes 3 languages); installed: tiny.en (en), base "
            "(3 languages) (GET /v1/models)");
  EXPECT_EQ(why_not_served(w, asking("large-v3", "")),
            "model 'large-v3' is not installed; installed: tiny.en (en), base (3 languages) (GET /v1/models)");
  EXPECT_EQ(why_not_served(w, asking("/srv/models/mine", "")), "") << "a directory is the worker's to judge";
}

TEST(WhyNotServed, AWorkerThatListsNoModelsIsJudgedByItsModelsName) {
  WorkerSnapshot w;
  EXPECT_EQ(why_not_served(w, asking("", "fr")), "") << "no worker yet: it decides";
  w.model = "tiny.en";
  EXPECT_EQ(why_not_served(w, asking("", "fr")),
            "model tiny.en transcribes English only, not language 'fr'; send en or leave it out");
  EXPECT_EQ(why_not_served(w, asking("x", "fr")), "");
}

}  // namespace
}  // namespace vs
