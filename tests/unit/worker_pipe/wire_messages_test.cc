#include "worker_pipe/wire_messages.h"

#include <gtest/gtest.h>

#include <vector>

#include "worker_pipe/base64.h"

namespace vs {
namespace {

std::string b64(std::string_view s) {
  std::string out;
  base64_append(out, s.data(), s.size());
  return out;
}

TEST(Base64, Rfc4648TestVectors) {
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg==");
  EXPECT_EQ(b64("fo"), "Zm8=");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("foob"), "Zm9vYg==");
  EXPECT_EQ(b64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
}

TEST(Base64, HighBitsAndAllSixtyFourSymbols) {
  EXPECT_EQ(b64(std::string("\xff\xff\xff", 3)), "////");
  EXPECT_EQ(b64(std::string("\xfb\xff\xbf", 3)), "+/+/");
  EXPECT_EQ(b64(std::string("\x00\x00\x00", 3)), "AAAA");
  // 0x00 0x10 0x83 0x10 0x51 0x87 ... encodes to the alphabet in order
  const std::string bytes("\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93\x51"
                          "\x55\x97\x61\x96\x9b\x71\xd7\x9f\x82\x18\xa3\x92\x59\xa7\xa2\x9a"
                          "\xab\xb2\xdb\xaf\xc3\x1c\xb3\xd3\x5d\xb7\xe3\x9e\xbb\xf3\xdf\xbf",
                          48);
  EXPECT_EQ(b64(bytes), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
  std::string appended = "prefix:";
  base64_append(appended, "foo", 3);
  EXPECT_EQ(appended, "prefix:Zm9v");
}

TEST(WireMessages, AudioFrameLineIsTheProtocolsJsonWithLittleEndianBase64) {
  const std::vector<int16_t> pcm = {1, -1, 0x1234};  // 01 00 ff ff 34 12
  std::string line;
  append_audio_frame_line(line, "", 42, pcm);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.size(), audio_frame_line_size("", 42, pcm.size()));
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j, (nlohmann::json{{"type", "audio_frame"}, {"seq", 42}, {"data", "AQD//zQS"},
                               {"sample_rate", 16000}, {"channels", 1}}));
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  std::string big;
  append_audio_frame_line(big, "", UINT64_MAX, std::vector<int16_t>(160));
  EXPECT_EQ(big.size(), audio_frame_line_size("", UINT64_MAX, 160));
  EXPECT_EQ(nlohmann::json::parse(big)["seq"].get<uint64_t>(), UINT64_MAX);
}

TEST(WireMessages, ControlLines) {
  EXPECT_EQ(nlohmann::json::parse(ping_line("a\"b")),
            (nlohmann::json{{"type", "ping"}, {"id", "a\"b"}}));
  EXPECT_EQ(ping_line("x").back(), '\n');
  EXPECT_NO_THROW(ping_line("bad utf8 \xff"));
  EXPECT_EQ(flush_line(), "{\"type\":\"flush\"}\n");
  EXPECT_EQ(shutdown_line(), "{\"type\":\"shutdown\"}\n");
}

TEST(WireMessages, ClassifiesWorkerLines) {
  for (const char* t : {"ready", "pong", "speech_start", "speech_end", "partial_text",
                        "final_text", "no_speech", "ack", "error"}) {
    const std::string line = std::string(R"({"type":")") + t + R"(","x":1})";
    const ParsedLine p = parse_worker_line(line);
    EXPECT_EQ(p.kind, LineKind::Known) << t;
    EXPECT_EQ(p.body["type"], t);
  }
  EXPECT_EQ(parse_worker_line(R"({"type":"made_up_type"})").kind, LineKind::Unknown);
  for (const char* bad : {"this is not json {", R"(["an array"])", R"({"no_type":1})",
                          R"({"type":5})", "{\"type\":\"ack\"", "42", "\"ready\"",
                          "{\"type\":\"ack\",\"s\":\"\xff\"}", ""}) {
    EXPECT_EQ(parse_worker_line(bad).kind, LineKind::Malformed) << bad;
  }
}

TEST(WireMessages, Protocol2NamesTheStreamOnFramesAndFlushesAndReadsItBack) {
  const std::vector<int16_t> pcm(160, 1);
  std::string line;
  append_audio_frame_line(line, "rec_0123456789ab", 7, pcm);
  EXPECT_EQ(line.size(), audio_frame_line_size("rec_0123456789ab", 7, pcm.size()));
  const auto frame = nlohmann::json::parse(line);
  EXPECT_EQ(frame["stream"], "rec_0123456789ab");
  EXPECT_EQ(frame["seq"], 7);
  line.clear();
  append_audio_frame_line(line, "", 7, pcm);
  EXPECT_FALSE(nlohmann::json::parse(line).contains("stream")) << "protocol 1's lines are unchanged";
  EXPECT_EQ(nlohmann::json::parse(flush_line("rec_x")), (nlohmann::json{{"type", "flush"}, {"stream", "rec_x"}}));
  EXPECT_EQ(flush_line(), "{\"type\":\"flush\"}\n");

  for (const char* bad : {R"({"type":"ack","stream":7,"seq":1})", R"({"type":"ack","stream":"","seq":1})",
                          R"({"type":"ack","stream":null,"seq":1})"}) {
    EXPECT_EQ(parse_worker_line(bad).kind, LineKind::Malformed) << bad;
  }
  const ParsedLine closed = parse_worker_line(R"({"type":"stream_closed","stream":"rec_x"})");
  ASSERT_EQ(closed.kind, LineKind::Known);
  EXPECT_EQ(closed.type, WorkerMessageType::StreamClosed);
  WorkerMessage ready{WorkerMessageType::Ready, std::make_shared<const nlohmann::json>(
                                                    parse_worker_line(R"({"type":"ready","protocol":2})").body)};
  EXPECT_EQ(ready.protocol(), 2);
  WorkerMessage old{WorkerMessageType::Ready, std::make_shared<const nlohmann::json>(nlohmann::json{{"type", "ready"}})};
  EXPECT_EQ(old.protocol(), 1);
}

}  // namespace
}  // namespace vs
