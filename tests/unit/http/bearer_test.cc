// The Authorization header's scheme is case-insensitive (RFC 7235); the token is not.
#include "http/bearer.h"

#include <gtest/gtest.h>

#include "http/router.h"

namespace vs {
namespace {

TEST(BearerToken, TakesTheSchemeInAnyCase) {
  for (const char* header : {"Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR s3cret", "Bearer   s3cret"}) {
    const auto token = bearer_token(header);
    ASSERT_TRUE(token) << header;
    EXPECT_EQ(*token, "s3cret") << header;
  }
}

TEST(BearerToken, RefusesOtherSchemesAndMalformedValues) {
  for (const char* header : {"", "Bearer", "Bearer ", "Bearer    ", "Bearers3cret", "Basic czNjcmV0", "Token s3cret",
                             "Bearer\ts3cret", "Bearerx s3cret", " Bearer s3cret"}) {
    EXPECT_FALSE(bearer_token(header)) << "'" << header << "'";
  }
}

HttpRequest status_request(const std::string& authorization) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/v1/control/status";
  r.headers["authorization"] = authorization;
  return r;
}

TEST(BearerToken, TheRouterAcceptsAnyCaseOfTheSchemeButOnlyTheExactToken) {
  Router router("s3cret");
  router.add("GET", "/v1/control/status", [](const HttpRequest&) { return json_reply(200, {{"ok", true}}); });
  for (const char* ok : {"Bearer s3cret", "bearer s3cret", "BEARER s3cret"}) {
    EXPECT_EQ(router.dispatch(status_request(ok)).status, 200) << ok;
  }
  for (const char* wrong : {"Bearer S3CRET", "bearer s3cre", "bearer s3crett", "Basic s3cret", "s3cret"}) {
    EXPECT_EQ(router.dispatch(status_request(wrong)).status, 401) << wrong;
  }
}

}  // namespace
}  // namespace vs
