// RequestPolicy decides whether a request may come from where it says it comes from, so that no
// web page a user happens to open can drive the daemon (DESIGN.md §2, Security):
//
// - Host: on TCP, only loopback names and addresses (localhost, *.localhost, 127.0.0.0/8, [::1])
//   or a value in http.allowed_hosts — a DNS-rebound name is refused. Unix sockets cannot be
//   reached by a browser, so their Host is not checked. A request without Host (HTTP/1.0) passes.
// - Origin: absent (not a browser), the daemon's own (http://<its Host>), or in
//   http.allowed_origins; anything else, "null" included, is refused.
// - State-changing requests (POST) carry JSON: a Content-Type other than application/json is
//   refused, and so is a body without one. Audio routes check their own types.
//
// Host and Origin are parsed by RFC 3986's grammar (Boost.URL). Pure, so the whole table of
// cases is unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/http_types.h"

namespace vs {

struct RequestPolicy {
  bool check_host = true;                    // false on a Unix socket
  std::vector<std::string> allowed_hosts;    // exact Host values (with or without port)
  std::vector<std::string> allowed_origins;  // exact Origin values
};

// The 403 for a foreign Host or Origin, or nullopt.
std::optional<HttpReply> refuse_foreign(const HttpRequest& request, const RequestPolicy& policy);
// The 415 for a state-changing request whose body is not declared JSON, or nullopt.
std::optional<HttpReply> refuse_non_json(const HttpRequest& request);

// The media type of a Content-Type value, lower-cased, without parameters: "audio/l16".
std::string media_type(const std::string& content_type);
// True for loopback names and addresses, with or without a port: localhost, x.localhost,
// 127.0.0.1, [::1]:9860, ...
bool is_loopback_host(const std::string& host);

}  // namespace vs
