// The Wyoming wire format, exactly as the `wyoming` package (1.10.x) reads and writes it, with
// bounds a hostile client cannot get past:
//
//   {"type":"audio-chunk","version":"1.10.2","data_length":52,"payload_length":2048}\n
//   {"rate":16000,"width":2,"channels":1,"timestamp":null}      <- data_length bytes of JSON
//   <2048 bytes of PCM>                                          <- payload_length bytes
//
// The header line may also carry "data" inline; a data block is merged over it (the package
// does `data.update(block)`). data_length / payload_length may be absent, null or 0.
//
// WyomingDecoder is pure (bytes in, events out) and bounded: a header line longer than
// kMaxHeaderBytes, a data block over kMaxDataBytes or a payload over kMaxPayloadBytes is a
// WyomingProtocolError, as is anything malformed. After an error the decoder is done; the
// connection is answered with an `error` event and closed.
//
//   WyomingDecoder dec;
//   dec.feed(bytes_read);
//   while (auto ev = dec.next()) handle(*ev);   // throws WyomingProtocolError
//   std::string wire = encode_wyoming(WyomingEvent{"describe"});
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "wyoming/wyoming_event.h"

namespace vs {

class WyomingProtocolError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class WyomingDecoder {
 public:
  static constexpr size_t kMaxHeaderBytes = 64 * 1024;
  static constexpr size_t kMaxDataBytes = 1024 * 1024;
  // 1 s of 48 kHz, 8-channel, 32-bit audio; Home Assistant sends ~64 ms chunks.
  static constexpr size_t kMaxPayloadBytes = 2 * 1024 * 1024;

  // Appends bytes read from the connection.
  void feed(std::string_view bytes);
  // The next complete event, or nullopt when more bytes are needed. Throws WyomingProtocolError.
  std::optional<WyomingEvent> next();
  // Bytes held that are not yet an event (bounded by the limits above).
  size_t buffered() const { return buffer_.size() - pos_; }

 private:
  enum class Part { Header, Data, Payload };
  void parse_header(std::string_view line);
  void compact();

  std::string buffer_;
  size_t pos_ = 0;  // where the unparsed bytes begin
  Part part_ = Part::Header;
  WyomingEvent pending_;
  size_t data_length_ = 0, payload_length_ = 0;
};

// The wire form of `event`, as the package writes it: header line, data block, payload.
std::string encode_wyoming(const WyomingEvent& event);

}  // namespace vs
