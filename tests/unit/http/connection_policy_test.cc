#include "http/connection_policy.h"

#include <vector>

#include <gtest/gtest.h>

namespace vs {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Clock::time_point t0{};

ConnCounts counts(size_t uploads, size_t streams, size_t websockets = 0) {
  ConnCounts c{};
  c[static_cast<size_t>(ConnKind::Upload)] = uploads;
  c[static_cast<size_t>(ConnKind::Stream)] = streams;
  c[static_cast<size_t>(ConnKind::WebSocket)] = websockets;
  return c;
}

TEST(ConnectionPolicy, RequestsAreNeverRefusedByKind) {
  const ConnectionLimits limits;
  EXPECT_EQ(refuse_kind(counts(5000, 5000), ConnKind::Handling, limits), "");
  EXPECT_EQ(refuse_kind(counts(5000, 5000), ConnKind::Writing, limits), "");
}

TEST(ConnectionPolicy, EachLongLivedKindHasItsCap) {
  const ConnectionLimits limits{.max_connections = 100, .reserve = 10, .max_uploads = 40, .max_streams = 30};
  EXPECT_EQ(refuse_kind(counts(39, 0), ConnKind::Upload, limits), "");
  EXPECT_NE(refuse_kind(counts(40, 0), ConnKind::Upload, limits), "");
  // WebSockets count as uploads.
  EXPECT_NE(refuse_kind(counts(20, 0, 20), ConnKind::WebSocket, limits), "");
  EXPECT_NE(refuse_kind(counts(0, 30), ConnKind::Stream, limits), "");
  EXPECT_EQ(refuse_kind(counts(39, 29), ConnKind::Stream, limits), "");
}

TEST(ConnectionPolicy, LongLivedKindsTogetherLeaveTheReserveFree) {
  const ConnectionLimits limits{.max_connections = 100, .reserve = 10, .max_uploads = 80, .max_streams = 80};
  EXPECT_EQ(refuse_kind(counts(50, 39), ConnKind::Upload, limits), "");
  const std::string why = refuse_kind(counts(50, 40), ConnKind::Upload, limits);
  EXPECT_NE(why.find("kept for health and control"), std::string::npos) << why;
  EXPECT_NE(refuse_kind(counts(50, 40), ConnKind::Stream, limits), "");
}

TEST(ConnectionPolicy, TheDefaultCapsLeaveRoomForRequests) {
  const ConnectionLimits limits;
  EXPECT_NE(refuse_kind(counts(1024, 960), ConnKind::Upload, limits), "");
  EXPECT_LT(limits.max_connections - limits.reserve, limits.max_uploads + limits.max_streams);
}

TEST(ConnectionPolicy, EvictsTheLongestStalledConnectionFirst) {
  const std::vector<ConnView> open = {
      {ConnKind::Upload, t0},           {ConnKind::Writing, t0 + 5s}, {ConnKind::Idle, t0 + 3s},
      {ConnKind::Handling, t0 + 1s},    {ConnKind::Stream, t0 + 2s},
  };
  EXPECT_EQ(pick_eviction(open), 2u);  // idle since 3 s: before the answer stuck since 5 s
}

TEST(ConnectionPolicy, AnAnswerItsClientDoesNotReadIsStalled) {
  const std::vector<ConnView> open = {{ConnKind::Upload, t0}, {ConnKind::Writing, t0 + 5s}};
  EXPECT_EQ(pick_eviction(open), 1u);
}

TEST(ConnectionPolicy, ThenTheOldestOfTheKindHoldingMostSlots) {
  const std::vector<ConnView> open = {
      {ConnKind::Stream, t0},        {ConnKind::Upload, t0 + 4s}, {ConnKind::Upload, t0 + 2s},
      {ConnKind::Handling, t0 - 9s}, {ConnKind::Upload, t0 + 3s}, {ConnKind::Stream, t0 + 1s},
      {ConnKind::WebSocket, t0 - 5s},
  };
  EXPECT_EQ(pick_eviction(open), 2u);  // uploads hold 3 slots; the oldest upload goes
}

TEST(ConnectionPolicy, ARequestBeingHandledIsNeverEvicted) {
  const std::vector<ConnView> open = {{ConnKind::Handling, t0}, {ConnKind::Handling, t0 + 1s}};
  EXPECT_EQ(pick_eviction(open), std::nullopt);
  EXPECT_EQ(pick_eviction({}), std::nullopt);
}

}  // namespace
}  // namespace vs
