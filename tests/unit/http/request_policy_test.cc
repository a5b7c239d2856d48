// Who may drive the daemon: the Host, Origin and Content-Type rules of DESIGN.md §2.
#include "http/request_policy.h"

#include <gtest/gtest.h>

#include "http/recording_routes.h"

namespace vs {
namespace {

HttpRequest post(std::map<std::string, std::string> headers, std::string body = "") {
  HttpRequest r;
  r.method = "POST";
  r.path = "/v1/control/start";
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

TEST(RequestPolicy, LoopbackNamesAndAddressesAreLoopback) {
  for (const char* h : {"localhost", "LOCALHOST:9860", "app.localhost", "127.0.0.1", "127.1.2.3:80", "[::1]:9860", "::1",
                        "127.1:9860", "0x7f.1", "[::ffff:127.0.0.1]:80"}) {
    EXPECT_TRUE(is_loopback_host(h)) << h;
  }
  for (const char* h : {"evil.example", "localhost.evil.example", "10.0.0.1", "[::2]", "0.0.0.0", "",
                        "user@127.0.0.1", "127.0.0.1@evil.example", "[::1", "localhost:9860:1"}) {
    EXPECT_FALSE(is_loopback_host(h)) << h;
  }
}

TEST(RequestPolicy, AForeignHostIsRefusedUnlessListed) {
  RequestPolicy p;
  EXPECT_EQ(refuse_foreign(post({{"host", "evil.example:9860"}}), p)->status, 403);  // DNS rebinding
  EXPECT_FALSE(refuse_foreign(post({{"host", "127.0.0.1:9860"}}), p));
  EXPECT_FALSE(refuse_foreign(post({}), p)) << "HTTP/1.0 without Host";
  p.allowed_hosts = {"voice.lan"};
  EXPECT_FALSE(refuse_foreign(post({{"host", "voice.lan:9860"}}), p));
  p.check_host = false;  // a Unix socket: no browser can reach it
  EXPECT_FALSE(refuse_foreign(post({{"host", "anything"}}), p));
}

TEST(RequestPolicy, OnlyTheDaemonsOwnOrListedOriginsMayCall) {
  RequestPolicy p;
  const auto foreign = refuse_foreign(post({{"host", "localhost:9860"}, {"origin", "https://evil.example"}}), p);
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
  EXPECT_NE(foreign->body.find("evil.example"), std::string::npos);
  EXPECT_TRUE(refuse_foreign(post({{"host", "localhost:9860"}, {"origin", "null"}}), p));
  EXPECT_TRUE(refuse_foreign(post({{"host", "localhost:9860"}, {"origin", "http://localhost:3000"}}), p));
  EXPECT_FALSE(refuse_foreign(post({{"host", "localhost:9860"}, {"origin", "http://localhost:9860"}}), p));
  EXPECT_FALSE(refuse_foreign(post({{"host", "[::1]:9860"}, {"origin", "https://[::1]:9860"}}), p));
  // The daemon's own authority, but not an origin a browser sends: refused.
  for (const char* o : {"ftp://localhost:9860", "http://user@localhost:9860", "http://localhost:9860/",
                        "http://localhost:9860?x", "localhost:9860", "http://localhost:98600"}) {
    EXPECT_TRUE(refuse_foreign(post({{"host", "localhost:9860"}, {"origin", o}}), p)) << o;
  }
  p.allowed_origins = {"http://localhost:3000"};
  EXPECT_FALSE(refuse_foreign(post({{"host", "localhost:9860"}, {"origin", "http://localhost:3000"}}), p));
}

TEST(RequestPolicy, StateChangingRequestsCarryJsonOrNothing) {
  EXPECT_EQ(refuse_non_json(post({{"content-type", "text/plain"}}, "{}"))->status, 415);  // a form's simple request
  EXPECT_EQ(refuse_non_json(post({{"content-type", "application/x-www-form-urlencoded"}}, "a=b"))->status, 415);
  EXPECT_EQ(refuse_non_json(post({{"content-type", "text/plain"}}))->status, 415);
  EXPECT_EQ(refuse_non_json(post({}, "{\"reason\":\"x\"}"))->status, 415);
  EXPECT_FALSE(refuse_non_json(post({{"content-type", "application/json; charset=utf-8"}}, "{}")));
  EXPECT_FALSE(refuse_non_json(post({})));
  HttpRequest get = post({{"content-type", "text/plain"}}, "x");
  get.method = "GET";
  EXPECT_FALSE(refuse_non_json(get));
}

TEST(RequestPolicy, AudioUploadsNameTheOneTypeAccepted) {
  EXPECT_FALSE(refuse_audio_type("audio/L16;rate=16000;channels=1"));
  EXPECT_FALSE(refuse_audio_type("audio/l16; rate=16000"));  // channels defaults to 1 (RFC 2586)
  for (const char* bad : {"audio/L16;rate=44100;channels=1", "audio/L16;rate=16000;channels=2", "audio/wav", ""}) {
    const auto r = refuse_audio_type(bad);
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 415);
    EXPECT_NE(r->body.find("audio/L16;rate=16000;channels=1"), std::string::npos) << r->body;
  }
}

}  // namespace
}  // namespace vs
