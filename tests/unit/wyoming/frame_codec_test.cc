// The Wyoming framing against byte strings written the way the `wyoming` package writes them,
// and against malformed and oversized input (each must be a WyomingProtocolError, never a crash
// or an unbounded buffer).
#include <gtest/gtest.h>

#include "wyoming/frame_codec.h"

namespace vs {
namespace {

std::vector<WyomingEvent> decode_all(const std::string& bytes, size_t piece = 0) {
  WyomingDecoder d;
  std::vector<WyomingEvent> out;
  const size_t step = piece ? piece : bytes.size();
  for (size_t i = 0; i < bytes.size(); i += step) {
    d.feed(std::string_view(bytes).substr(i, step));
    while (auto ev = d.next()) out.push_back(std::move(*ev));
  }
  return out;
}

// What wyoming 1.10's write_event puts on the wire for AudioChunk(16000, 2, 1, b"\x01\x02\x03\x04").
const std::string kChunk =
    "{\"type\": \"audio-chunk\", \"version\": \"1.10.2\", \"data_length\": 61, \"payload_length\": 4}\n"
    "{\"rate\": 16000, \"width\": 2, \"channels\": 1, \"timestamp\": null}"
    "\x01\x02\x03\x04";

TEST(WyomingDecoder, ReadsThePackagesAudioChunk) {
  for (size_t piece : {0, 1, 7}) {  // whole, byte by byte, odd splits
    const auto evs = decode_all(kChunk, piece);
    ASSERT_EQ(evs.size(), 1u) << piece;
    EXPECT_EQ(evs[0].type, "audio-chunk");
    EXPECT_EQ(evs[0].data["rate"], 16000);
    EXPECT_TRUE(evs[0].data["timestamp"].is_null());
    EXPECT_EQ(evs[0].payload, std::string("\x01\x02\x03\x04"));
  }
}

TEST(WyomingDecoder, MergesTheDataBlockOverInlineData) {
  const std::string block = R"({"b": 2, "a": 3})";
  const std::string wire = R"({"type": "x", "data": {"a": 1, "c": 4}, "data_length": )" +
                           std::to_string(block.size()) + "}\n" + block;
  const auto evs = decode_all(wire);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].data, (nlohmann::json{{"a", 3}, {"b", 2}, {"c", 4}}));
}

TEST(WyomingDecoder, EventsWithoutDataOrWithNullLengths) {
  const auto evs = decode_all("{\"type\": \"describe\"}\n{\"type\": \"audio-stop\", \"data_length\": null, "
                              "\"payload_length\": 0, \"data\": null}\n");
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].type, "describe");
  EXPECT_TRUE(evs[0].data.is_object() && evs[0].data.empty());
  EXPECT_EQ(evs[1].type, "audio-stop");
}

TEST(WyomingDecoder, MalformedInputIsAnError) {
  for (const std::string& bad : {
           std::string("not json\n"),
           std::string("[1, 2]\n"),
           std::string("{\"data\": {}}\n"),                                  // no type
           std::string("{\"type\": 5}\n"),
           std::string("{\"type\": \"x\", \"data\": [1]}\n"),
           std::string("{\"type\": \"x\", \"data_length\": -1}\n"),
           std::string("{\"type\": \"x\", \"data_length\": \"4\"}\n"),
           std::string("{\"type\": \"x\", \"data_length\": 4}\n[12]"),          // a data block that is no object
           std::string("{\"type\": \"x\", \"payload_length\": 99999999999}\n"),  // over the limit
           std::string("{\"type\": \"x\", \"data_length\": 2000000}\n"),
       }) {
    EXPECT_THROW(decode_all(bad), WyomingProtocolError) << bad;
  }
}

// S1: nlohmann's recursive copy and dump overflow the stack far below the size limits; JSON
// nested 100,000 deep (200 KB) must be refused as malformed, in the data block and the header.
TEST(WyomingDecoder, JsonNestedTooDeeplyIsAnErrorNotACrash) {
  const size_t depth = 100'000;
  const std::string deep = "{\"a\": " + std::string(depth, '[') + std::string(depth, ']') + "}";
  const std::string in_block =
      "{\"type\": \"describe\", \"data_length\": " + std::to_string(deep.size()) + "}\n" + deep;
  try {
    decode_all(in_block);
    ADD_FAILURE() << "a data block nested 100,000 deep was accepted";
  } catch (const WyomingProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("data block"), std::string::npos) << e.what();
  }
  const std::string inline_data = "{\"type\": \"x\", \"data\": " + std::string(30'000, '[') +
                                  std::string(30'000, ']') + "}\n";  // under the header limit
  EXPECT_THROW(decode_all(inline_data), WyomingProtocolError);
  // 63 levels (64 is the limit) still pass.
  const std::string ok = "{\"type\": \"x\", \"data\": {\"a\": " + std::string(60, '[') + std::string(60, ']') + "}}\n";
  EXPECT_EQ(decode_all(ok).size(), 1u);
}

TEST(WyomingDecoder, AHeaderLineIsBounded) {
  WyomingDecoder d;
  const std::string piece(16 * 1024, ' ');
  bool threw = false;
  for (int i = 0; i < 10 && !threw; ++i) {
    d.feed(piece);
    try {
      d.next();
    } catch (const WyomingProtocolError&) {
      threw = true;
    }
    EXPECT_LE(d.buffered(), WyomingDecoder::kMaxHeaderBytes + piece.size());
  }
  EXPECT_TRUE(threw) << "an endless header line must be refused";
}

TEST(WyomingDecoder, WaitsForTheWholePayload) {
  WyomingDecoder d;
  d.feed(kChunk.substr(0, kChunk.size() - 1));
  EXPECT_FALSE(d.next());
  d.feed(kChunk.substr(kChunk.size() - 1));
  EXPECT_TRUE(d.next());
}

TEST(EncodeWyoming, WritesHeaderDataAndPayloadLikeThePackage) {
  const std::string wire = encode_wyoming(WyomingEvent{"transcript", {{"text", "héllo"}}, "PCM"});
  const size_t nl = wire.find('\n');
  ASSERT_NE(nl, std::string::npos);
  const auto header = nlohmann::json::parse(wire.substr(0, nl));
  EXPECT_EQ(header["type"], "transcript");
  EXPECT_EQ(header["version"], kWyomingProtocolVersion);
  EXPECT_FALSE(header.contains("data"));
  const size_t data_length = header["data_length"];
  EXPECT_EQ(nlohmann::json::parse(wire.substr(nl + 1, data_length)), (nlohmann::json{{"text", "héllo"}}));
  EXPECT_EQ(header["payload_length"], 3);
  EXPECT_EQ(wire.substr(nl + 1 + data_length), "PCM");
  // Round trip; an event without data has no data block at all.
  EXPECT_EQ(decode_all(wire)[0].data["text"], "héllo");
  EXPECT_EQ(encode_wyoming(WyomingEvent{"transcript-stop"}).find("data_length"), std::string::npos);
}

}  // namespace
}  // namespace vs
