// Fuzzes the Wyoming framing as a hostile client drives it: bytes fed in pieces the input
// chooses, events taken out until the decoder wants more or refuses, and every event decoded is
// encoded again and must decode to the same event (what we write, we read).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wyoming/frame_codec.h"

namespace {

void check_round_trip(const vs::WyomingEvent& event) {
  vs::WyomingDecoder again;
  again.feed(vs::encode_wyoming(event));
  const auto back = again.next();
  if (!back || back->type != event.type || back->data != event.data || back->payload != event.payload) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  vs::WyomingDecoder decoder;
  const size_t step = size ? 1 + data[0] % 64 : 1;
  try {
    for (size_t at = 0; at < size; at += step) {
      decoder.feed(bytes.substr(at, step));
      while (auto event = decoder.next()) check_round_trip(*event);
    }
  } catch (const vs::WyomingProtocolError&) {
    // refused: the connection gets an `error` event and is closed
  }
  return 0;
}
