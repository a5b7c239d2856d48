// Standard base64 (RFC 4648 §4, with '=' padding) for the audio_frame "data" field.
//
// Boost 1.81 has no public base64 API (Beast's is boost::beast::detail), and vs_ipc does not
// link Boost, so this is a small encoder checked against the RFC's test vectors.
#pragma once

#include <cstddef>
#include <string>

namespace vs {

constexpr size_t base64_encoded_size(size_t n) { return (n + 2) / 3 * 4; }

// Appends the base64 encoding of [data, data + n) to out.
void base64_append(std::string& out, const void* data, size_t n);

}  // namespace vs
