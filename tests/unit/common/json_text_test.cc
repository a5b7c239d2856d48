#include "common/json_text.h"

#include <string>

#include <gtest/gtest.h>

namespace vs {
namespace {

std::string nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonDepth, CountsArraysAndObjectsButNotBracketsInStrings) {
  EXPECT_EQ(json_depth(R"({"a":[1,{"b":2}]})", 64), 3u);
  EXPECT_EQ(json_depth(R"({"text":"[[[[{{{{ \"[[[\" ]"})", 64), 1u);
  EXPECT_EQ(json_depth("42", 64), 0u);
}

TEST(JsonDepth, StopsCountingPastTheLimit) { EXPECT_EQ(json_depth(nested(1000), 64), 65u); }

TEST(ParseJson, ParsesWhatIsWithinTheDepthLimit) {
  const auto j = parse_json(R"({"type":"final_text","words":[{"w":"hi"}]})");
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["words"][0]["w"], "hi");
  EXPECT_FALSE(parse_json(nested(kMaxJsonDepth)).is_discarded());
}

// 100,000 levels once crashed the daemon in nlohmann's recursive copy and dump (issue 16, S1).
TEST(ParseJson, RefusesDeepNestingWithoutBuildingIt) {
  EXPECT_TRUE(parse_json(nested(kMaxJsonDepth + 1)).is_discarded());
  EXPECT_TRUE(parse_json("{\"a\":" + nested(100000) + "}").is_discarded());
  EXPECT_TRUE(parse_json(std::string(100000, '{')).is_discarded());
}

TEST(ParseJson, RefusesWhatIsNotJson) {
  EXPECT_TRUE(parse_json("{\"a\":").is_discarded());
  EXPECT_TRUE(parse_json("").is_discarded());
}

}  // namespace
}  // namespace vs
