#include "http/multipart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vs {
namespace {

using ::testing::HasSubstr;

std::string form(const std::string& boundary, const std::vector<std::pair<std::string, std::string>>& parts) {
  std::string body;
  for (const auto& [headers, data] : parts) body += "--" + boundary + "\r\n" + headers + "\r\n\r\n" + data + "\r\n";
  return body + "--" + boundary + "--\r\n";
}

TEST(MultipartBoundary, ReadsPlainAndQuotedBoundaries) {
  std::string b;
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=abc123", b));
  EXPECT_EQ(b, "abc123");
  EXPECT_FALSE(multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\"", b));
  EXPECT_EQ(b, "a b:c");
}

TEST(MultipartBoundary, RefusesOtherTypesAndBadBoundaries) {
  std::string b;
  EXPECT_THAT(*multipart_boundary("application/json", b), HasSubstr("multipart/form-data"));
  EXPECT_THAT(*multipart_boundary("multipart/form-data", b), HasSubstr("no boundary"));
  EXPECT_THAT(*multipart_boundary("multipart/form-data; boundary=", b), HasSubstr("1 to 70"));
  EXPECT_THAT(*multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'x'), b), HasSubstr("1 to 70"));
}

TEST(Multipart, SplitsFieldsAndFilesWithBinaryData) {
  static constexpr char kAudio[] = "RIFF\0\r\n--not-the-boundary\r\n\xff";
  const std::string audio(kAudio, sizeof kAudio - 1);  // the NUL inside counts, the final one not
  const std::string body = form("XyZ", {{"Content-Disposition: form-data; name=\"model\"", "whisper-1"},
                                        {"Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".wav\"\r\n"
                                         "Content-Type: audio/wav",
                                         audio}});
  const MultipartForm f = parse_multipart(body, "XyZ");
  ASSERT_EQ(f.error, "");
  ASSERT_EQ(f.parts.size(), 2u);
  EXPECT_EQ(f.parts[0].name, "model");
  EXPECT_FALSE(f.parts[0].has_filename);
  EXPECT_EQ(f.parts[0].data, "whisper-1");
  EXPECT_EQ(f.parts[1].name, "file");
  EXPECT_TRUE(f.parts[1].has_filename);
  EXPECT_EQ(f.parts[1].filename, "a \"b\".wav");
  EXPECT_EQ(f.parts[1].content_type, "audio/wav");
  EXPECT_EQ(f.parts[1].data, audio);  // every byte, the NUL and the look-alike boundary included
}

TEST(Multipart, AcceptsAPreambleAndAnEmptyValue) {
  const std::string body = "ignored preamble\r\n" + form("b", {{"content-disposition: form-data; name=prompt", ""}});
  const MultipartForm f = parse_multipart(body, "b");
  ASSERT_EQ(f.error, "");
  ASSERT_EQ(f.parts.size(), 1u);
  EXPECT_EQ(f.parts[0].name, "prompt");
  EXPECT_EQ(f.parts[0].data, "");
}

TEST(Multipart, RefusesATruncatedBody) {
  std::string body = form("b", {{"Content-Disposition: form-data; name=\"file\"; filename=\"x\"", "data"}});
  body.resize(body.size() - 12);  // the closing delimiter is cut off
  EXPECT_THAT(parse_multipart(body, "b").error, HasSubstr("closing boundary"));
  EXPECT_THAT(parse_multipart("no boundary here", "b").error, HasSubstr("does not contain its boundary"));
}

TEST(Multipart, RefusesPartsWithoutAFormDataName) {
  EXPECT_THAT(parse_multipart(form("b", {{"Content-Type: text/plain", "x"}}), "b").error,
              HasSubstr("no Content-Disposition"));
  EXPECT_THAT(parse_multipart(form("b", {{"Content-Disposition: attachment; name=\"a\"", "x"}}), "b").error,
              HasSubstr("not form-data"));
  EXPECT_THAT(parse_multipart(form("b", {{"Content-Disposition: form-data; filename=\"a\"", "x"}}), "b").error,
              HasSubstr("no name"));
  EXPECT_THAT(parse_multipart(form("b", {{"Content-Disposition: form-data; name=\"a", "x"}}), "b").error,
              HasSubstr("unterminated"));
}

TEST(Multipart, IsBoundedInPartsAndHeaderSize) {
  std::vector<std::pair<std::string, std::string>> many(5, {"Content-Disposition: form-data; name=\"a[]\"", "1"});
  MultipartLimits limits;
  limits.max_parts = 4;
  EXPECT_THAT(parse_multipart(form("b", many), "b", limits).error, HasSubstr("more than 4 parts"));
  limits = {};
  limits.max_header_bytes = 64;
  const std::string long_header = "Content-Disposition: form-data; name=\"" + std::string(100, 'n') + "\"";
  EXPECT_THAT(parse_multipart(form("b", {{long_header, "x"}}), "b", limits).error, HasSubstr("longer than 64 bytes"));
}

}  // namespace
}  // namespace vs
