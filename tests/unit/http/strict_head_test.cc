// The strict HTTP edge, one row per head: what Beast's parser would let through and the daemon
// refuses, and the ordinary heads that must keep passing.
#include "http/strict_head.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vs {
namespace {

using ::testing::HasSubstr;

struct Case {
  std::string name;
  std::string head;  // without the final empty line, added by the test
  int status;        // 0 = passes
  std::string says;  // a piece of the sentence, for a refusal
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class StrictHead : public ::testing::TestWithParam<Case> {};

TEST_P(StrictHead, Judges) {
  const Case& c = GetParam();
  const auto refused = check_request_head(c.head + "\r\n");
  if (c.status == 0) {
    EXPECT_FALSE(refused) << refused->message;
    return;
  }
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, c.status) << refused->message;
  EXPECT_THAT(refused->message, HasSubstr(c.says));
}

const std::string kGet = "GET /v1/health HTTP/1.1\r\n";
const std::string kPost = "POST /v1/audio HTTP/1.1\r\nHost: localhost\r\n";

INSTANTIATE_TEST_SUITE_P(
    Host, StrictHead,
    ::testing::Values(
        Case{"http11_with_host", kGet + "Host: localhost\r\n", 0, ""},
        Case{"http11_with_empty_host", kGet + "Host:\r\n", 0, ""},
        Case{"http11_without_host", kGet + "Accept: */*\r\n", 400, "must have a Host header"},
        Case{"http11_no_headers_at_all", kGet, 400, "must have a Host header"},
        Case{"host_name_any_case", kGet + "hOsT: localhost\r\n", 0, ""},
        Case{"two_hosts", kGet + "Host: a\r\nHost: b\r\n", 400, "one Host header, not 2"},
        Case{"http10_without_host", "GET /v1/health HTTP/1.0\r\n", 0, ""},
        Case{"empty_lines_before_the_request_line", "\r\n" + kGet + "Host: x\r\n", 0, ""},
        Case{"not_http1_is_left_to_beast", "GET / HTTP/2.0\r\n", 0, ""}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Folding, StrictHead,
    ::testing::Values(
        Case{"folded_with_a_space", kGet + "Host: localhost\r\nX-A: one\r\n two\r\n", 400, "obsolete line folding"},
        Case{"folded_with_a_tab", kGet + "Host: localhost\r\nX-A: one\r\n\ttwo\r\n", 400, "obsolete line folding"},
        Case{"folded_host", kGet + "Host:\r\n localhost\r\n", 400, "obsolete line folding"},
        Case{"space_before_the_first_field", kGet + " Host: localhost\r\n", 400, "obsolete line folding"},
        Case{"inner_spaces_are_fine", kGet + "Host: localhost\r\nX-A: one  two\r\n", 0, ""}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    TransferEncoding, StrictHead,
    ::testing::Values(
        Case{"chunked", kPost + "Transfer-Encoding: chunked\r\n", 0, ""},
        Case{"chunked_any_case", kPost + "Transfer-Encoding: ChUnKeD\r\n", 0, ""},
        Case{"chunked_with_empty_elements", kPost + "Transfer-Encoding: , chunked ,\r\n", 400,
             "malformed Transfer-Encoding"},
        Case{"content_length_alone", kPost + "Content-Length: 5\r\n", 0, ""},
        Case{"xchunked", kPost + "Transfer-Encoding: xchunked\r\n", 501, "\"xchunked\""},
        Case{"gzip_then_chunked", kPost + "Transfer-Encoding: gzip, chunked\r\n", 501, "\"gzip\" (in"},
        Case{"identity", kPost + "Transfer-Encoding: identity\r\n", 501, "not implemented; only chunked is"},
        Case{"chunked_then_identity", kPost + "Transfer-Encoding: chunked, identity\r\n", 400,
             "does not end in a single chunked"},
        Case{"chunked_twice", kPost + "Transfer-Encoding: chunked, chunked\r\n", 400,
             "does not end in a single chunked"},
        // Two field lines are one list: Beast would take only the second and see chunked.
        Case{"split_over_two_lines", kPost + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 501,
             "\"gzip, chunked\""},
        Case{"chunked_over_two_lines", kPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400,
             "does not end in a single chunked"},
        Case{"chunked_with_a_parameter", kPost + "Transfer-Encoding: chunked;q=1\r\n", 400, "no parameters"},
        Case{"not_a_token", kPost + "Transfer-Encoding: \"chunked\"\r\n", 400, "malformed Transfer-Encoding"},
        Case{"slash", kPost + "Transfer-Encoding: chunked/1\r\n", 400, "malformed Transfer-Encoding"},
        Case{"empty", kPost + "Transfer-Encoding:\r\n", 400, "malformed Transfer-Encoding"},
        Case{"only_commas", kPost + "Transfer-Encoding: , ,\r\n", 400, "malformed Transfer-Encoding"},
        Case{"with_content_length", kPost + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400,
             "both Transfer-Encoding and Content-Length"},
        Case{"content_length_first", kPost + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400,
             "both Transfer-Encoding and Content-Length"},
        Case{"with_content_length_and_unknown", kPost + "Content-Length: 5\r\nTransfer-Encoding: xchunked\r\n", 400,
             "both Transfer-Encoding and Content-Length"},
        Case{"on_http10", "POST /v1/audio HTTP/1.0\r\nTransfer-Encoding: chunked\r\n", 400,
             "not defined for HTTP/1.0"}),
    [](const auto& info) { return info.param.name; });

TEST(StrictHead, EchoesAtMostAShortPieceOfTheClientsText) {
  const auto refused = check_request_head(kPost + "Transfer-Encoding: " + std::string(5000, 'x') + "\r\n\r\n");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 501);
  EXPECT_LT(refused->message.size(), 300u);
}

TEST(StrictHead, ABrokenRequestLineIsLeftToBeast) {
  EXPECT_FALSE(check_request_head("garbage\r\n\r\n"));
  EXPECT_FALSE(check_request_head("\r\n\r\n"));
  EXPECT_FALSE(check_request_head(""));
}

TEST(StrictHeadStart, ABareLfIsRefusedAtOnce) {
  const auto refused = check_head_start("GET / HTTP/1.1\n\n");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->message.find("bare LF"), std::string::npos);
  EXPECT_TRUE(check_head_start("GET / HTTP/1.1\r\nHost: x\n"));
  EXPECT_TRUE(check_head_start("\n"));
}

TEST(StrictHeadStart, ATlsClientHelloIsRefusedAtOnce) {
  const std::string hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  const auto refused = check_head_start(hello);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->message.find("TLS"), std::string::npos);
}

TEST(StrictHeadStart, AMethodMustBeAToken) {
  EXPECT_TRUE(check_head_start(std::string("\x80\x01", 2)));
  EXPECT_TRUE(check_head_start("GE{T / HTTP/1.1\r\n"));
}

TEST(StrictHeadStart, WhatMayStillBecomeARequestWaits) {
  EXPECT_FALSE(check_head_start(""));
  EXPECT_FALSE(check_head_start("GE"));
  EXPECT_FALSE(check_head_start("\r"));
  EXPECT_FALSE(check_head_start("\r\nGET / HTTP/1.1\r"));
  EXPECT_FALSE(check_head_start("POST /v1/audio HTTP/1.1\r\nHost: x\r\nContent-Type: audio/L16\r\n"));
}

}  // namespace
}  // namespace vs
