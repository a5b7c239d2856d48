#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/value_parsers.h"

namespace vs::config_detail {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ParseInt, WholeStringOnly) {
  EXPECT_EQ(parse_int("0"), 0);
  EXPECT_EQ(parse_int("-12"), -12);
  EXPECT_EQ(parse_int("2147483647"), 2147483647);
  for (const char* bad : {"", " 1", "1 ", "+1", "1.0", "1e3", "0x1", "2147483648", "ten"}) {
    EXPECT_FALSE(parse_int(bad)) << bad;
  }
}

TEST(ParseDouble, FiniteDecimalsOnly) {
  EXPECT_EQ(parse_double("2"), 2.0);
  EXPECT_EQ(parse_double("0.25"), 0.25);
  EXPECT_EQ(parse_double("-1.5"), -1.5);
  EXPECT_EQ(parse_double("1e3"), 1000.0);
  for (const char* bad : {"", "inf", "nan", "1e999", "0x10", "1.5.", "1,5", " 1", "+1"}) {
    EXPECT_FALSE(parse_double(bad)) << bad;
  }
}

TEST(ParseMode, OctalWithLeadingZeroElseDecimal) {
  EXPECT_EQ(parse_mode("0600"), 0600u);
  EXPECT_EQ(parse_mode("0o660"), 0660u);
  EXPECT_EQ(parse_mode("384"), 0600u);
  EXPECT_EQ(parse_mode("0"), 0u);
  for (const char* bad : {"", "0800", "rw-------", "-1", "0o", "99999"}) {
    EXPECT_FALSE(parse_mode(bad)) << bad;
  }
}

TEST(SplitCommandLine, ShellLikeWithoutAShell) {
  EXPECT_THAT(split_command_line("  a  b\tc "), ElementsAre("a", "b", "c"));
  EXPECT_THAT(split_command_line("a 'b c' \"d e\""), ElementsAre("a", "b c", "d e"));
  EXPECT_THAT(split_command_line("x'y'\"z\""), ElementsAre("xyz"));
  EXPECT_THAT(split_command_line("a '' b"), ElementsAre("a", "", "b"));
  EXPECT_THAT(split_command_line(R"(a\ b "q\"x" '\n')"), ElementsAre("a b", "q\"x", "\\n"));
  EXPECT_THAT(split_command_line("$HOME ~ * `id`"), ElementsAre("$HOME", "~", "*", "`id`"));
  EXPECT_THAT(split_command_line(""), IsEmpty());
  EXPECT_THROW(split_command_line("a 'b"), std::invalid_argument);
  EXPECT_THROW(split_command_line("a \"b"), std::invalid_argument);
  EXPECT_THROW(split_command_line("a\\"), std::invalid_argument);
}

TEST(Format, Values) {
  EXPECT_EQ(format_mode(0600), "0600");
  EXPECT_EQ(format_double(2.0), "2");
  EXPECT_EQ(format_double(0.2), "0.2");
  EXPECT_EQ(json_quoted("a\"b"), "\"a\\\"b\"");
}

}  // namespace
}  // namespace vs::config_detail
