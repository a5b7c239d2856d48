#include "http/openai_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/openai_language.h"
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
  return parse_transcription_request(kType, body, kModels);
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
  const OpenAiError g = error_of(form({{"model", "tiny.en"}, {"timestamp_granularities[]", "char"}}));
  EXPECT_EQ(g.param, "timestamp_granularities");
  EXPECT_THAT(g.message, HasSubstr("'word' and 'segment'"));
  EXPECT_THAT(g.message, HasSubstr("'char'"));
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"modle", "x"}})).param, "modle");
  EXPECT_EQ(error_of(form({{"model", "tiny.en"}, {"model", "tiny.en"}})).param, "model");
}

TranscriptionRequest request_of(const std::string& body) {
  auto r = parse(body);
  EXPECT_TRUE(std::holds_alternative<TranscriptionRequest>(r)) << std::get<OpenAiError>(r).message;
  return std::holds_alternative<TranscriptionRequest>(r) ? std::get<TranscriptionRequest>(r) : TranscriptionRequest{};
}

TEST(OpenAiRequest, TimestampGranularitiesWordSegmentOrBoth) {
  const TranscriptionRequest none = request_of(form({{"model", "tiny.en"}}));
  EXPECT_FALSE(none.word_timestamps);
  EXPECT_TRUE(none.segment_timestamps) << "OpenAI's default";
  const TranscriptionRequest word = request_of(form({{"model", "tiny.en"}, {"timestamp_granularities[]", "word"}}));
  EXPECT_TRUE(word.word_timestamps);
  EXPECT_FALSE(word.segment_timestamps);
  for (const char* name : {"timestamp_granularities[]", "timestamp_granularities"}) {
    const TranscriptionRequest both =
        request_of(form({{"model", "tiny.en"}, {name, "segment"}, {name, "word"}}));
    EXPECT_TRUE(both.word_timestamps) << name;
    EXPECT_TRUE(both.segment_timestamps) << name;
  }
}

TEST(OpenAiRequest, NotMultipartOrBrokenIsA400) {
  auto r = parse_transcription_request("application/json", "{}", kModels);
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

const std::vector<FinalText> kFinals = {{"Hello there.", 500, 2000}, {" General Kenobi.", 2500, 4000}};

TranscriptionRequest as(ResponseFormat format, bool words = false, bool segments = true) {
  TranscriptionRequest r;
  r.format = format;
  r.word_timestamps = words;
  r.segment_timestamps = segments;
  return r;
}

TEST(OpenAiReply, EachFormat) {
  const json j = json::parse(transcription_reply(as(ResponseFormat::Json), kFinals, 4.2).body);
  EXPECT_EQ(j["text"], "Hello there. General Kenobi.");
  const HttpReply text = transcription_reply(as(ResponseFormat::Text), kFinals, 4.2);
  EXPECT_EQ(text.body, "Hello there. General Kenobi.\n");
  EXPECT_THAT(text.content_type, HasSubstr("text/plain"));
  EXPECT_THAT(transcription_reply(as(ResponseFormat::Srt), kFinals, 4.2).body,
              HasSubstr("2\n00:00:02,500 --> 00:00:04,000\nGeneral Kenobi."));
  const HttpReply vtt = transcription_reply(as(ResponseFormat::Vtt), kFinals, 4.2);
  EXPECT_TRUE(vtt.body.starts_with("WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello there."));
  const json v = json::parse(transcription_reply(as(ResponseFormat::VerboseJson), kFinals, 4.2).body);
  EXPECT_EQ(v["language"], "english");
  EXPECT_DOUBLE_EQ(v["duration"].get<double>(), 4.2);
  ASSERT_EQ(v["segments"].size(), 2u);
  EXPECT_DOUBLE_EQ(v["segments"][1]["start"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(v["segments"][1]["end"].get<double>(), 4.0);
  EXPECT_EQ(v["segments"][1]["id"], 1);
  EXPECT_EQ(v["segments"][1]["text"], " General Kenobi.");
  EXPECT_FALSE(v.contains("words")) << "not asked for";
}

// A final as a worker with word timings sends it: its scores and its words.
FinalText scored_final() {
  FinalText f{"Hello there.", 500, 2000};
  f.avg_logprob = -0.42;
  f.no_speech_prob = 0.03;
  f.compression_ratio = 1.7;
  f.temperature = 0.2;
  f.language = "de";
  f.words = {{" Hello", 500, 1100, 0.9}, {" there.", 1200, 2000, 0.8}};
  return f;
}

TEST(OpenAiReply, VerboseJsonSegmentsCarryTheWorkersScores) {
  const json v = json::parse(transcription_reply(as(ResponseFormat::VerboseJson), {scored_final()}, 2.0).body);
  const json& s = v["segments"][0];
  EXPECT_DOUBLE_EQ(s["avg_logprob"].get<double>(), -0.42);
  EXPECT_DOUBLE_EQ(s["no_speech_prob"].get<double>(), 0.03);
  EXPECT_DOUBLE_EQ(s["compression_ratio"].get<double>(), 1.7);
  EXPECT_DOUBLE_EQ(s["temperature"].get<double>(), 0.2);
  EXPECT_EQ(v["language"], "german") << "the language the worker decoded, when the request named none";
  // A worker that reported nothing: the SDK's required floats are there, neutral.
  const json n = json::parse(transcription_reply(as(ResponseFormat::VerboseJson), kFinals, 4.2).body);
  for (const char* k : {"avg_logprob", "no_speech_prob", "compression_ratio", "temperature"}) {
    ASSERT_TRUE(n["segments"][0][k].is_number_float()) << k;
    EXPECT_EQ(n["segments"][0][k].get<double>(), 0.0) << k;
  }
}

TEST(OpenAiReply, LanguagesAreNamedAsWhisperNamesThem) {
  EXPECT_EQ(whisper_language_name("en"), "english");
  EXPECT_EQ(whisper_language_name("FR"), "french");
  EXPECT_EQ(whisper_language_name("haw"), "hawaiian");
  EXPECT_EQ(whisper_language_name("yue"), "cantonese");
  EXPECT_EQ(whisper_language_name("xx"), "xx") << "unknown: said as it came";
  TranscriptionRequest asked = as(ResponseFormat::VerboseJson);
  asked.language = "es";
  EXPECT_EQ(json::parse(transcription_reply(asked, {scored_final()}, 2.0).body)["language"], "spanish")
      << "the request's language first";
}

TEST(OpenAiReply, WordsWhenAskedAndTimed) {
  const std::vector<FinalText> finals = {scored_final()};
  const json both = json::parse(transcription_reply(as(ResponseFormat::VerboseJson, true, true), finals, 2.0).body);
  ASSERT_EQ(both["words"].size(), 2u);
  EXPECT_EQ(both["words"][0], json::parse(R"({"word":"Hello","start":0.5,"end":1.1})"));
  EXPECT_EQ(both["words"][1]["word"], "there.");
  EXPECT_EQ(both["segments"].size(), 1u);
  const json word_only = json::parse(transcription_reply(as(ResponseFormat::VerboseJson, true, false), finals, 2.0).body);
  EXPECT_EQ(word_only["words"].size(), 2u);
  EXPECT_FALSE(word_only.contains("segments")) << "OpenAI leaves segments out when only words were asked";
  const json not_asked = json::parse(transcription_reply(as(ResponseFormat::VerboseJson), finals, 2.0).body);
  EXPECT_FALSE(not_asked.contains("words"));
}

TEST(OpenAiReply, WordsAskedButNotTimedLeaveThemOutAndKeepSegments) {
  // The worker runs without stt.word_timestamps: no invented words, and the segments stay.
  const json v = json::parse(transcription_reply(as(ResponseFormat::VerboseJson, true, false), kFinals, 4.2).body);
  EXPECT_FALSE(v.contains("words"));
  EXPECT_EQ(v["segments"].size(), 2u);
  // Nothing said: an empty list of words is the truth.
  const json silent = json::parse(transcription_reply(as(ResponseFormat::VerboseJson, true, false), {}, 4.2).body);
  EXPECT_EQ(silent["words"], json::array());
}

TEST(OpenAiReply, SubtitlesAreCutAtTheWords) {
  FinalText f{"", 0, 20000};
  for (int i = 0; i < 40; ++i) {
    f.text += " word" + std::to_string(i);
    f.words.push_back({" word" + std::to_string(i), i * 500, i * 500 + 400});
  }
  const std::string srt = transcription_reply(as(ResponseFormat::Srt), {f}, 20.0).body;
  EXPECT_THAT(srt, HasSubstr("\n4\n")) << "40 words over 20 s: at least 4 cues";
  const std::string vtt = transcription_reply(as(ResponseFormat::Vtt), {f}, 20.0).body;
  EXPECT_THAT(vtt, HasSubstr("00:00:00.000 --> ")) << vtt;
}

TEST(OpenAiReply, StreamFramesAreTheSdksEvents) {
  EXPECT_EQ(transcript_delta_frame("Hello.", true), "data: {\"delta\":\"Hello.\",\"type\":\"transcript.text.delta\"}\n\n");
  EXPECT_EQ(transcript_delta_frame(" Again.", false), "data: {\"delta\":\" Again.\",\"type\":\"transcript.text.delta\"}\n\n");
  EXPECT_EQ(transcript_done_frame("Hello. Again."), "data: {\"text\":\"Hello. Again.\",\"type\":\"transcript.text.done\"}\n\n");
}

}  // namespace
}  // namespace vs
