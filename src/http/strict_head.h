// The framing rules of RFC 9112 that Beast's parser does not enforce, checked on a request's head
// exactly as the client sent it (Beast unfolds obsolete line folding silently and keeps no raw
// bytes). A head that breaks one is refused and the connection closed: two parsers that disagree
// about where a request ends (a proxy in front, and us) are how requests get smuggled.
//
//   HTTP/1.1 without Host, or Host twice                          400  (§3.2)
//   a header line that starts with a space or tab (obs-fold)      400  (§5.2)
//   Transfer-Encoding with Content-Length, or on HTTP/1.0         400  (§6.1, §6.3)
//   Transfer-Encoding that is not a list of codings, or whose
//     chunked is not last, or appears twice                       400  (§6.3, §7)
//   Transfer-Encoding with a coding other than chunked            501  (§6.1)
//
// What Beast refuses itself (a bad Content-Length, two that differ, a head over the limit) is left
// to it. check_head_start() judges a head still arriving: what can never become a request (a
// bare LF line end, which Beast would wait on until the read timeout since the head's end is
// looked for as CRLF CRLF; a TLS handshake; a method that is not a token) is refused at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vs {

struct HeadRefusal {
  int status;           // 400 or 501
  std::string message;  // a sentence for the {"error": ...} body
};

// `head`: the request line and header lines up to and including the empty line that ends them.
// nullopt when the head passes (or is too broken to judge: Beast's parser then reports it).
std::optional<HeadRefusal> check_request_head(std::string_view head);

// `received`: the bytes of a head so far (not yet ending in CRLF CRLF), of which the first
// `checked` passed an earlier call. A refusal when they can never become an acceptable request
// head, nullopt while they still may.
std::optional<HeadRefusal> check_head_start(std::string_view received, size_t checked = 0);

}  // namespace vs
