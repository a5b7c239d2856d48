#include "http/query_param.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(QueryParam, FindsAParameterAndDecodesIt) {
  std::string error;
  EXPECT_EQ(query_param("a=1&realtime=false", "realtime", &error), "false");
  EXPECT_EQ(query_param("realtime=f%61lse", "realtime", &error), "false");
  EXPECT_EQ(query_param("name=a+b%20c", "name", &error), "a b c");
  EXPECT_EQ(error, "");
}

TEST(QueryParam, ABareNameIsEmptyAndAMissingOneIsAbsent) {
  std::string error;
  EXPECT_EQ(query_param("realtime&x=1", "realtime", &error), "");
  EXPECT_EQ(query_param("realtime=", "realtime", &error), "");
  EXPECT_EQ(query_param("realtimex=1&xrealtime=2", "realtime", &error), std::nullopt);
  EXPECT_EQ(query_param("", "realtime", &error), std::nullopt);
  EXPECT_EQ(error, "");
}

TEST(QueryParam, TheFirstOfTwoWins) {
  std::string error;
  EXPECT_EQ(query_param("realtime=true&realtime=false", "realtime", &error), "true");
}

TEST(QueryParam, ABrokenEscapeIsAnError) {
  std::string error;
  EXPECT_EQ(query_param("realtime=%zz", "realtime", &error), std::nullopt);
  EXPECT_NE(error.find("not valid"), std::string::npos) << error;
}

}  // namespace
}  // namespace vs
