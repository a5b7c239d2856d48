// Fuzzes the Wyoming framing as a hostile client drives it: bytes fed in pieces the input
// chooses, events taken out until the decoder wants more or refuses, and every event decoded is
// encoded again and must decode to the same event (what we write, we read). The audio a client
// describes goes through the converter as a session's would: its format from audio-start, each
// audio-chunk's payload converted, the tail flushed at audio-stop.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <optional>

#include "wyoming/frame_codec.h"
#include "wyoming/pcm_converter.h"

namespace {

void check_round_trip(const vs::WyomingEvent& event) {
  vs::WyomingDecoder again;
  again.feed(vs::encode_wyoming(event));
  const auto back = again.next();
  if (!back || back->type != event.type || back->data != event.data || back->payload != event.payload) std::abort();
}

// Bounded work per event: the converter never makes more than a fixed multiple of its input.
void convert(const vs::WyomingEvent& event, std::optional<vs::PcmConverter>& converter) {
  if (event.type == "audio-start") {
    converter.emplace(vs::pcm_format_of(event.data));
  } else if (event.type == "audio-chunk" && converter) {
    const std::string out = converter->convert(event.payload);
    if (out.size() > event.payload.size() * 2 * 2 + 64 * 1024) std::abort();  // x2 rate, x2 width at most
  } else if (event.type == "audio-stop" && converter) {
    (void)converter->flush();
    converter.reset();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  vs::WyomingDecoder decoder;
  std::optional<vs::PcmConverter> converter;
  const size_t step = size ? 1 + data[0] % 64 : 1;
  try {
    for (size_t at = 0; at < size; at += step) {
      decoder.feed(bytes.substr(at, step));
      while (auto event = decoder.next()) {
        check_round_trip(*event);
        convert(*event, converter);
      }
    }
  } catch (const vs::WyomingProtocolError&) {
    // refused: the connection gets an `error` event and is closed
  }
  return 0;
}
