// The golden protocol lines of tests/fixtures/protocol_v1.jsonl and protocol_v2.jsonl (several
// streams), the contract the worker's own tests assert too: what the daemon writes must be
// exactly those lines, and what the worker writes must be read as those messages.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "worker_pipe/wire_messages.h"

namespace vs {
namespace {

using nlohmann::json;

std::vector<json> golden(const std::string& file, const std::string& dir) {
  std::ifstream in(std::string(VS_SOURCE_DIR) + "/tests/fixtures/" + file);
  EXPECT_TRUE(in) << file;
  std::vector<json> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    json row = json::parse(line);
    if (row["dir"] == dir) out.push_back(std::move(row));
  }
  return out;
}

std::vector<int16_t> decode_pcm(const std::string& b64) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<uint8_t> bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : b64) {
    if (c == '=') break;
    acc = (acc << 6) | static_cast<uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  std::vector<int16_t> pcm(bytes.size() / 2);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
  return pcm;
}

class ProtocolFixture : public testing::TestWithParam<const char*> {};

TEST_P(ProtocolFixture, TheDaemonWritesExactlyTheGoldenLines) {
  size_t checked = 0;
  for (const json& row : golden(GetParam(), "to_worker")) {
    if (!row["valid"].get<bool>()) continue;
    const json& want = row["line"];
    std::string line;
    const std::string type = want["type"];
    if (type == "audio_frame") {
      append_audio_frame_line(line, want.value("stream", ""), want["seq"].get<uint64_t>(), decode_pcm(want["data"]));
    } else if (type == "ping") {
      line = ping_line(want["id"]);
    } else if (type == "flush") {
      line = flush_line(want.value("stream", ""));
    } else if (type == "shutdown") {
      line = shutdown_line();
    } else if (type == "stream_options") {
      DecodeRequest d;
      d.model = want.value("model", "");
      d.language = want.value("language", "");
      d.prompt = want.value("prompt", "");
      if (want.contains("temperature")) d.temperature = want["temperature"].get<double>();
      if (want.contains("word_timestamps")) d.word_timestamps = want["word_timestamps"].get<bool>();
      line = stream_options_line(want.value("stream", ""), d);
    } else {
      ADD_FAILURE() << "the daemon has no encoder for " << type;
      continue;
    }
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(json::parse(line), want) << row["note"];
    ++checked;
  }
  EXPECT_GE(checked, 3u);
}

TEST_P(ProtocolFixture, TheDaemonReadsEveryGoldenWorkerLine) {
  size_t valid = 0, invalid = 0;
  for (const json& row : golden(GetParam(), "from_worker")) {
    const ParsedLine parsed = parse_worker_line(row["line"].dump());
    if (!row["valid"].get<bool>()) {
      EXPECT_EQ(parsed.kind, LineKind::Malformed) << row["note"];
      ++invalid;
      continue;
    }
    ASSERT_EQ(parsed.kind, LineKind::Known) << row["note"];
    EXPECT_EQ(parsed.body, row["line"]);
    const std::optional<WorkerMessageType> type = worker_message_type(row["line"]["type"].get<std::string>());
    ASSERT_TRUE(type);
    EXPECT_EQ(parsed.type, *type);
    if (parsed.type == WorkerMessageType::Ack) {
      const WorkerMessage ack{parsed.type, std::make_shared<const json>(parsed.body), 0};
      EXPECT_EQ(ack.ack_seq(), row["line"]["seq"].get<int64_t>());
      EXPECT_EQ(ack.stream(), row["line"].value("stream", ""));
      if (row["line"].contains("received")) {
        EXPECT_EQ(ack.ack_received(), row["line"]["received"].get<uint64_t>());
      }
    }
    ++valid;
  }
  EXPECT_GE(valid, 4u);
  EXPECT_GE(valid + invalid, 5u);
}

INSTANTIATE_TEST_SUITE_P(Versions, ProtocolFixture, testing::Values("protocol_v1.jsonl", "protocol_v2.jsonl"),
                         [](const auto& info) { return std::string(info.param).substr(0, 11); });

}  // namespace
}  // namespace vs
