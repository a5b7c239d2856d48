// The credentials of an "Authorization: Bearer <token>" header (RFC 6750 §2.1). The scheme is
// case-insensitive (RFC 7235 §2.1: "bearer x" and "BEARER x" are the same request as "Bearer x")
// and is separated from the token by one or more spaces. Only the scheme is parsed here; the
// token itself is compared by the caller, in constant time.
#pragma once

#include <optional>
#include <string_view>

namespace vs {

// The token of a Bearer credential, or nullopt for another scheme or a malformed value.
std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace vs
