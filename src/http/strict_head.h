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
// What Beast refuses itself (a bad Content-Length, two that differ, bare LF line ends, a head
// over the limit) is left to it.
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

}  // namespace vs
