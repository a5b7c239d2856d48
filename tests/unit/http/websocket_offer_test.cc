#include "http/websocket_offer.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(WebSocketOffer, FindsTheAudioProtocolAndTheBearerToken) {
  // "s3cret token/+?" in base64url without padding.
  const WebSocketOffer offer = read_websocket_offer("voice-sidecar.audio.v1, bearer.czNjcmV0IHRva2VuLys_");
  EXPECT_TRUE(offer.audio);
  ASSERT_TRUE(offer.bearer);
  EXPECT_EQ(*offer.bearer, "s3cret token/+?");
}

TEST(WebSocketOffer, WithoutTheAudioProtocolOrAToken) {
  const WebSocketOffer none = read_websocket_offer("");
  EXPECT_FALSE(none.audio);
  EXPECT_FALSE(none.bearer);
  const WebSocketOffer other = read_websocket_offer("chat, voice-sidecar.audio.v2,bearer.");
  EXPECT_FALSE(other.audio);
  EXPECT_FALSE(other.bearer) << "an empty token is no token";
}

TEST(WebSocketOffer, AMalformedTokenIsNoToken) {
  EXPECT_FALSE(read_websocket_offer("voice-sidecar.audio.v1,bearer.a+b/").bearer) << "standard alphabet";
  EXPECT_FALSE(read_websocket_offer("bearer.abcde").bearer) << "5 chars end mid-byte";
}

TEST(Base64Url, DecodesRfc4648Vectors) {
  EXPECT_EQ(decode_base64url(""), "");
  EXPECT_EQ(decode_base64url("Zg"), "f");
  EXPECT_EQ(decode_base64url("Zg=="), "f");
  EXPECT_EQ(decode_base64url("Zm8"), "fo");
  EXPECT_EQ(decode_base64url("Zm9v"), "foo");
  EXPECT_EQ(decode_base64url("Zm9vYg"), "foob");
  EXPECT_EQ(decode_base64url("Zm9vYmE"), "fooba");
  EXPECT_EQ(decode_base64url("Zm9vYmFy"), "foobar");
  EXPECT_EQ(decode_base64url("-_8"), std::string("\xfb\xff", 2));
  EXPECT_FALSE(decode_base64url("Zm9v YmFy"));
}

}  // namespace
}  // namespace vs
