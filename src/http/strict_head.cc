#include "http/strict_head.h"

#include <vector>

#include <boost/beast/core/string.hpp>

namespace vs {
namespace {

using boost::beast::iequals;

constexpr std::string_view kOws = " \t";

std::string_view trimmed(std::string_view s) {
  const size_t first = s.find_first_not_of(kOws);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kOws) - first + 1);
}

bool is_tchar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// A client's text inside our sentence: bounded, so an error never echoes kilobytes back.
std::string quoted(std::string_view text) {
  constexpr size_t kMost = 80;
  return "\"" + std::string(text.substr(0, kMost)) + (text.size() > kMost ? "...\"" : "\"");
}

HeadRefusal bad(std::string message) { return {400, std::move(message)}; }

// The request's Transfer-Encoding, all its field lines joined as one list (RFC 9110 §5.3).
std::optional<HeadRefusal> check_codings(std::string_view joined) {
  const std::string expected = "; expected a comma-separated list of transfer codings ending in chunked";
  std::vector<std::string_view> codings;
  size_t begin = 0;
  while (begin <= joined.size()) {
    size_t end = joined.find(',', begin);
    if (end == std::string_view::npos) end = joined.size();
    const std::string_view element = trimmed(joined.substr(begin, end - begin));
    begin = end + 1;
    // RFC 9110 lets a recipient skip empty elements, but Beast's own reading of the list must
    // agree with this one, or the two would disagree about where the body ends: refuse them.
    if (element.empty()) return bad("malformed Transfer-Encoding " + quoted(joined) + expected);
    const std::string_view name = trimmed(element.substr(0, element.find(';')));
    if (!is_token(name)) return bad("malformed Transfer-Encoding " + quoted(joined) + expected);
    if (iequals(name, "chunked") && name.size() != element.size()) {
      return bad("malformed Transfer-Encoding " + quoted(joined) + ": chunked takes no parameters");
    }
    codings.push_back(name);
  }
  for (size_t i = 0; i < codings.size(); ++i) {
    // The body's end is known only when chunked is applied last, and once (§6.3, §7).
    if (iequals(codings[i], "chunked") && i + 1 != codings.size()) {
      return bad("Transfer-Encoding " + quoted(joined) + " does not end in a single chunked, so where the body "
                 "ends cannot be known; send \"Transfer-Encoding: chunked\"");
    }
  }
  for (std::string_view coding : codings) {
    if (!iequals(coding, "chunked")) {
      return HeadRefusal{501, "transfer coding " + quoted(coding) + " (in Transfer-Encoding " + quoted(joined) +
                                  ") is not implemented; only chunked is"};
    }
  }
  return std::nullopt;
}

// A TLS record of type handshake (22) for protocol version 3.x: a ClientHello.
bool tls_handshake(std::string_view bytes) {
  return bytes.size() >= 2 && bytes[0] == '\x16' && bytes[1] == '\x03';
}

}  // namespace

std::optional<HeadRefusal> check_head_start(std::string_view received, size_t checked) {
  if (tls_handshake(received)) {
    return bad("this is a plain-HTTP server and a TLS handshake arrived; use http://, not https://");
  }
  for (size_t i = checked; i < received.size(); ++i) {
    if (received[i] == '\n' && (i == 0 || received[i - 1] != '\r')) {
      return bad("a line of the request head ends in a bare LF; end each line with CRLF (RFC 9112 §2.2)");
    }
  }
  // The method: a token up to the first space, after any empty lines. Only the start is looked
  // at, so a head trickled in byte by byte costs linear time.
  constexpr size_t kMethodWindow = 64;
  const std::string_view start = received.substr(0, kMethodWindow);
  size_t pos = 0;
  while (start.substr(pos, 2) == "\r\n") pos += 2;
  for (; pos < start.size() && start[pos] != ' '; ++pos) {
    if (start[pos] == '\r' && pos + 1 == received.size()) break;  // the rest of a CRLF may follow
    if (!is_tchar(start[pos])) return bad("a request must start with a method such as GET or POST");
  }
  return std::nullopt;
}

std::optional<HeadRefusal> check_request_head(std::string_view head) {
  size_t pos = 0;
  // A server may ignore empty lines before the request line (RFC 9112 §2.2).
  while (head.substr(pos, 2) == "\r\n") pos += 2;
  const size_t line_end = head.find("\r\n", pos);
  if (line_end == std::string_view::npos) return std::nullopt;
  const std::string_view request_line = head.substr(pos, line_end - pos);
  const size_t space = request_line.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view version = request_line.substr(space + 1);
  if (version.size() != 8 || !version.starts_with("HTTP/1.") || version[7] < '0' || version[7] > '9') {
    return std::nullopt;  // not HTTP/1.x: Beast refuses it
  }
  const bool http11 = version[7] >= '1';

  int hosts = 0;
  bool has_length = false;
  bool has_codings = false;
  std::string codings;
  for (pos = line_end + 2; pos < head.size();) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) break;  // the end of the head
    if (line.front() == ' ' || line.front() == '\t') {
      return bad("obsolete line folding (a header line starting with a space or tab) is not accepted; "
                 "send each header field on one line");
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // Beast refuses the line
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trimmed(line.substr(colon + 1));
    if (iequals(name, "host")) {
      ++hosts;
    } else if (iequals(name, "content-length")) {
      has_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      codings += (has_codings ? ", " : "") + std::string(value);
      has_codings = true;
    }
  }

  if (http11 && hosts == 0) return bad("an HTTP/1.1 request must have a Host header");
  if (hosts > 1) return bad("a request must have one Host header, not " + std::to_string(hosts));
  if (!has_codings) return std::nullopt;
  if (!http11) return bad("Transfer-Encoding is not defined for HTTP/1.0; send Content-Length instead");
  if (has_length) {
    return bad("a request with both Transfer-Encoding and Content-Length is ambiguous; send only one of them");
  }
  return check_codings(codings);
}

}  // namespace vs
