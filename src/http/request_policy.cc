#include "http/request_policy.h"

#include <arpa/inet.h>

#include <algorithm>

#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>

#include "common/strings.h"

namespace vs {
namespace {

// "host:port" -> "host"; "[::1]:9860" -> "::1", by RFC 3986's authority grammar (Boost.URL). A
// value that is no authority (a bare "::1", "user@host") is taken whole: only an exact address
// or listed name can then pass.
std::string host_part(const std::string& host) {
  const auto authority = boost::urls::parse_authority(host);
  if (!authority || authority->has_userinfo()) return host;
  return std::string(authority->encoded_host_address());
}

// An Origin is the daemon's own when it is http(s)://<the Host the request was sent to>, with
// nothing else (no user, path, query or fragment: browsers send none).
bool is_own_origin(const std::string& origin, const std::string& host) {
  if (host.empty()) return false;
  const auto uri = boost::urls::parse_absolute_uri(origin);
  if (!uri) return false;
  const auto scheme = uri->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) return false;
  if (uri->has_userinfo() || !uri->encoded_path().empty() || uri->has_query() || uri->has_fragment()) return false;
  return uri->encoded_authority() == host;
}

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& v) { return to_lower(v) == value; });
}

HttpReply forbidden(const std::string& sentence) { return error_reply(403, sentence); }

}  // namespace

std::string media_type(const std::string& content_type) {
  return to_lower(trim(std::string_view(content_type).substr(0, content_type.find(';'))));
}

bool is_loopback_host(const std::string& host) {
  const std::string h = to_lower(host_part(std::string(trim(host))));
  if (h == "localhost" || (h.size() > 10 && h.ends_with(".localhost"))) return true;
  // inet_aton, not inet_pton: it takes every form the resolver does ("127.1", "0x7f.1"), the
  // same forms the listener's address may be written in.
  in_addr v4{};
  if (inet_aton(h.c_str(), &v4) != 0) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) != 1) return false;
  return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

std::optional<HttpReply> refuse_foreign(const HttpRequest& request, const RequestPolicy& policy) {
  const std::string host = to_lower(trim(request.header("host")));
  if (policy.check_host && !host.empty() && !is_loopback_host(host) && !listed(policy.allowed_hosts, host) &&
      !listed(policy.allowed_hosts, host_part(host))) {
    return forbidden("Host '" + host + "' is not allowed: the daemon answers loopback names only "
                     "(localhost, 127.0.0.1, [::1]); list other names in http.allowed_hosts");
  }
  if (const auto it = request.headers.find("origin"); it != request.headers.end()) {
    const std::string origin = to_lower(trim(it->second));
    if (!is_own_origin(origin, host) && !listed(policy.allowed_origins, origin)) {
      return forbidden("Origin '" + origin + "' may not use this daemon: only its own pages may; list "
                       "other origins in http.allowed_origins");
    }
  }
  return std::nullopt;
}

std::optional<HttpReply> refuse_non_json(const HttpRequest& request) {
  if (request.method != "POST") return std::nullopt;
  const std::string ct = request.header("content-type");
  const bool has_body = !blank(request.body);
  if (ct.empty() ? !has_body : media_type(ct) == "application/json") return std::nullopt;
  return error_reply(415, ct.empty() ? "a request body needs 'Content-Type: application/json'"
                                     : "Content-Type '" + ct + "' is not accepted here: send "
                                       "'Content-Type: application/json' (or no body)");
}

}  // namespace vs
