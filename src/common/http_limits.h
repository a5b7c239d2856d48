// Limits of an HTTP request's head, shared by the server that enforces them (src/http) and the
// configuration that must not ask for something that cannot fit (the token, src/config).
#pragma once

#include <cstddef>

namespace vs {

// The request line and every header field together; a larger head is refused.
inline constexpr size_t kRequestHeadLimit = 16 * 1024;

// The bearer token travels in that head ("Authorization: Bearer <token>", or base64url-encoded,
// 4/3 larger, in a WebSocket subprotocol offer) beside the request line, Host, Origin and the
// rest: a quarter of the limit leaves them room, and is far beyond any real token.
inline constexpr size_t kMaxTokenBytes = 4096;

static_assert(kMaxTokenBytes * 4 / 3 + 4096 < kRequestHeadLimit, "a maximal token must fit in a request head");

}  // namespace vs
