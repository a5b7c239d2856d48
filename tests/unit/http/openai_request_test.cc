#include "http/openai_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/openai_reply.h"

namespace vs {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

const std::string kType = "multipart/form-data; boundary=BB";
const std::vector<std::string> kModels = {"tiny.en", "whisper-1"};

std::string form(const std::vector<std::pair<std::string, std::string>>& fields, bool with_file = true) {
  std::string body;
  for (const auto& [name, value] : fields) {
    body += "--BB\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
  }
  if (with_file) body += "--BB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF....\r\n";
  return body + "--BB--\r\n";
}

std::variant<TranscriptionRequest, OpenAiError> parse(const std::string& body) {
  return parse_transcription_request(kType, body, kModels, "tiny.en");
}

OpenAiError error_of(const std::string& body) {
  auto r = parse(body);
  EXPECT_TRUE(std::holds_alternative<OpenAiError>(r));
  return std::holds_alternative<OpenAiError>(r) ? std::get<OpenAiError>(r) : OpenAiError{};
}

TEST(OpenAiRequest, ReadsEveryField) {
  // The request's audio is a view into the body: the body must outlive it.
  const std::string body = form({{"model", "whisper-1"}, {"language", "EN"}, {"prompt", "hi"}, {"temperature", "0.2"},
                                 {"response_format", "verbose_json"}, {"timestamp_granularities[]", "segment"}});
  auto r = parse(body);
  ASSERT_TRUE(std::holds_alternative<TranscriptionRequest>(r)) << std::get<OpenAiError>(r).message;
  const auto& q = std::get<TranscriptionRequest>(r);
  EXPECT_EQ(q.model, "whisper-1");
  EXPECT_EQ(q.language, "en");
  EXPECT_EQ(q.prompt, "hi");
  EXPECT_DOUBLE_EQ(q.temperature, 0.2);
  EXPECT_EQ(q.format, ResponseFormat::VerboseJson);
  EXPECT_FALSE(q.stream);
  EXPECT_EQ(q.filename, "a.wav");
  EXPECT_EQ(q.audio, "RIFF....");
}

TEST(OpenAiRequest, StreamWithJsonOrTextOnly) {
  auto r = parse(form({{"model", "tiny.en"}, {"stream", "true"}}));
  ASSERT_TRUE(std::holds_alternative<TranscriptionRequest>(r));
  EXPECT_TRUE(std::get<TranscriptionRequest>(r).stream);
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"stream", "true"}, {"response_format", "srt"}})).param,
            "response_format");
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"stream", "yes"}})).param, "stream");
}

TEST(OpenAiRequest, EveryBadFieldIsNamed) {
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}}, false)).param, "file");
  EXPECT_EQ(error_of(form({})).param, "model");
  const OpenAiError m = error_of(form({{"model", "gpt-4o-transcribe"}}));
  EXPECT_EQ(m.param, "model");
  EXPECT_EQ(m.code, "model_not_found");
  EXPECT_THAT(m.message, HasSubstr("'gpt-4o-transcribe'"));
  EXPECT_THAT(m.message, HasSubstr("'tiny.en'"));
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"response_format", "xml"}})).param, "response_format");
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"temperature", "2"}})).param, "temperature");
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"temperature", "warm"}})).param, "temperature");
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"language", "de"}})).param, "language");
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"timestamp_granularities[]", "word"}})).param,
            "timestamp_granularities");
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"modle", "x"}})).param, "modle");
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"model", "tiny.en"}})).param, "model");
}

TEST(OpenAiRequest, NotMultipartOrBrokenIsA400) {
  auto r = parse_transcription_request("application/json", "{}", kModels, "tiny.en");
  ASSERT_TRUE(std::holds_alternative<OpenAiError>(r));
  EXPECT_THAT(std::get<OpenAiError>(r).message, HasSubstr("multipart/form-data"));
  EXPECT_THAT(error_of("--BB\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ntiny.en").message,
              HasSubstr("closing boundary"));
}

TEST(OpenAiError, HasOpenAisShapeAndRetryAfter) {
  OpenAiError e;
  e.status = 409;
  e.message = "busy";
  e.retry_after_s = 2;
  const HttpReply r = openai_error_reply(e);
  EXPECT_EQ(r.status, 409);
  const json body = json::parse(r.body);
  EXPECT_EQ(body, json::parse(R"({"error":{"message":"busy","type":"invalid_request_error","param":null,"code":null}})"));
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Retry-After", "2"}));
}

const std::vector<TimedText> kFinals = {{500, 2000, "Hello there."}, {2500, 4000, " General Kenobi."}};

TEST(OpenAiReply, EachFormat) {
  const json j = json::parse(transcription_reply(ResponseFormat::Json, kFinals, 4.2, "").body);
  EXPECT_EQ(j["text"], "Hello there. General Kenobi.");
  const HttpReply text = transcription_reply(ResponseFormat::Text, kFinals, 4.2, "");
  EXPECT_EQ(text.body, "Hello there. General Kenobi.\n");
  EXPECT_THAT(text.content_type, HasSubstr("text/plain"));
  EXPECT_THAT(transcription_reply(ResponseFormat::Srt, kFinals, 4.2, "").body,
              HasSubstr("2\n00:00:02,500 --> 00:00:04,000\nGeneral Kenobi."));
  const HttpReply vtt = transcription_reply(ResponseFormat::Vtt, kFinals, 4.2, "");
  EXPECT_TRUE(vtt.body.starts_with("WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello there."));
  const json v = json::parse(transcription_reply(ResponseFormat::VerboseJson, kFinals, 4.2, "").body);
  EXPECT_EQ(v["language"], "english");
  EXPECT_DOUBLE_EQ(v["duration"].get<double>(), 4.2);
  ASSERT_EQ(v["segments"].size(), 2u);
  EXPECT_DOUBLE_EQ(v["segments"][1]["start"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(v["segments"][1]["end"].get<double>(), 4.0);
  EXPECT_EQ(v["segments"][1]["id"], 1);
  EXPECT_EQ(v["segments"][1]["text"], " General Kenobi.");
}

TEST(OpenAiReply, StreamFramesAreTheSdksEvents) {
  EXPECT_EQ(transcript_delta_frame("Hello.", true), "data: {\"delta\":\"Hello.\",\"type\":\"transcript.text.delta\"}\n\n");
  EXPECT_EQ(transcript_delta_frame(" Again.", false), "data: {\"delta\":\" Again.\",\"type\":\"transcript.text.delta\"}\n\n");
  EXPECT_EQ(transcript_done_frame("Hello. Again."), "data: {\"text\":\"Hello. Again.\",\"type\":\"transcript.text.done\"}\n\n");
}

}  // namespace
}  // namespace vs
