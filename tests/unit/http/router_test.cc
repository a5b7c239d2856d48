#include "http/router.h"

#include <optional>

#include <gtest/gtest.h>

namespace vs {
namespace {

HttpRequest request(const std::string& method, const std::string& path, const std::string& auth = "") {
  HttpRequest r;
  r.method = method;
  r.path = path;
  if (!auth.empty()) r.headers["authorization"] = auth;
  return r;
}

Router::Handler answer(int status) {
  return [status](const HttpRequest&) { return json_reply(status, {{"ok", true}}); };
}

std::string header(const HttpReply& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) if (n == name) return v;
  return "";
}

TEST(Router, DispatchesToTheMatchingRoute) {
  Router router;
  router.add("GET", "/v1/a", answer(200));
  router.add("POST", "/v1/a", answer(201));
  EXPECT_EQ(router.dispatch(request("GET", "/v1/a")).status, 200);
  EXPECT_EQ(router.dispatch(request("POST", "/v1/a")).status, 201);
}

TEST(Router, PatternSegmentsReachTheHandler) {
  Router router;
  std::string seen;
  router.add("GET", "/v1/recordings", answer(200));
  router.add("GET", "/v1/recordings/{id}", [&seen](const HttpRequest& r) {
    seen = r.param("id");
    return json_reply(200, {{"ok", true}});
  });
  router.add("POST", "/v1/recordings/{id}/stop", [&seen](const HttpRequest& r) {
    seen = "stop " + r.param("id");
    return json_reply(200, {{"ok", true}});
  });
  EXPECT_EQ(router.dispatch(request("GET", "/v1/recordings/rec_1")).status, 200);
  EXPECT_EQ(seen, "rec_1");
  EXPECT_EQ(router.dispatch(request("POST", "/v1/recordings/rec_2/stop")).status, 200);
  EXPECT_EQ(seen, "stop rec_2");
  EXPECT_EQ(router.dispatch(request("GET", "/v1/recordings")).status, 200);  // the exact path
  EXPECT_EQ(router.dispatch(request("GET", "/v1/recordings/")).status, 404);  // an empty segment
  EXPECT_EQ(router.dispatch(request("GET", "/v1/recordings/a/b")).status, 404);
  EXPECT_EQ(router.dispatch(request("POST", "/v1/recordings/a/start")).status, 404);
  EXPECT_EQ(router.dispatch(request("GET", "/v1/recordings/rec_1/stop")).status, 405);
}

TEST(Router, UnknownPathIs404WithTheErrorShape) {
  Router router;
  router.add("GET", "/v1/a", answer(200));
  HttpReply r = router.dispatch(request("GET", "/v1/b"));
  EXPECT_EQ(r.status, 404);
  auto body = nlohmann::json::parse(r.body);
  EXPECT_NE(body["error"].get<std::string>().find("/v1/b"), std::string::npos);
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router router;
  router.add("GET", "/v1/a", answer(200));
  router.add("PUT", "/v1/a", answer(200));
  HttpReply r = router.dispatch(request("DELETE", "/v1/a"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(nlohmann::json::parse(r.body), (nlohmann::json{{"error", "method not allowed"}}));
  EXPECT_EQ(header(r, "Allow"), "GET, PUT");
}

TEST(Router, TokenGuardsAllButPublicRoutes) {
  Router router("s3cret");
  router.add("GET", "/v1/health", answer(200), Access::Public);
  router.add("GET", "/v1/status", answer(200));
  EXPECT_EQ(router.dispatch(request("GET", "/v1/health")).status, 200);
  HttpReply missing = router.dispatch(request("GET", "/v1/status"));
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(header(missing, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(router.dispatch(request("GET", "/v1/status", "Bearer wrong!")).status, 401);
  EXPECT_EQ(router.dispatch(request("GET", "/v1/status", "Bearer s3cre")).status, 401);
  EXPECT_EQ(router.dispatch(request("GET", "/v1/status", "s3cret")).status, 401);
  EXPECT_EQ(router.dispatch(request("GET", "/v1/status", "Bearer s3cret")).status, 200);
}

TEST(Router, WithoutTokenEverythingIsOpen) {
  Router router;
  router.add("GET", "/v1/status", answer(200));
  EXPECT_EQ(router.dispatch(request("GET", "/v1/status")).status, 200);
}

TEST(Router, AnAsyncRouteAnswersWhenItsWorkCompletesAndARefusalAnswersAtOnce) {
  Router router("s3cret");
  Respond pending;
  router.add_async("POST", "/v1/slow", [&pending](const HttpRequest&, Respond done) { pending = std::move(done); });
  std::optional<HttpReply> got;
  HttpRequest req = request("POST", "/v1/slow", "Bearer s3cret");
  req.headers["content-type"] = "application/json";
  router.dispatch(req, [&got](HttpReply r) { got = std::move(r); });
  EXPECT_FALSE(got) << "nothing is answered before the work completes";
  ASSERT_TRUE(pending);
  pending(json_reply(200, {{"status", "started"}}));  // e.g. from the supervisor's thread
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);

  // Refused before the handler runs: answered at once, the handler never sees it.
  pending = nullptr;
  got.reset();
  router.dispatch(request("POST", "/v1/slow"), [&got](HttpReply r) { got = std::move(r); });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 401);
  EXPECT_FALSE(pending);
}

}  // namespace
}  // namespace vs
