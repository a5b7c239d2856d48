#include "common/strings.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(Strings, TrimDropsBlanksAtBothEndsOnly) {
  EXPECT_EQ(trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim("  "), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(Strings, ToLowerAndIequalsTouchOnlyAsciiLetters) {
  EXPECT_EQ(to_lower("Audio/L16; RATE=16000"), "audio/l16; rate=16000");
  EXPECT_EQ(to_lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // UTF-8 bytes are left alone
  EXPECT_TRUE(iequals("WebSocket", "websocket"));
  EXPECT_FALSE(iequals("websocket", "websockets"));
  EXPECT_TRUE(blank(" \r\n"));
  EXPECT_FALSE(blank(" {} "));
}

}  // namespace
}  // namespace vs
