// to_request() turns a request Beast has parsed into the HttpRequest the router and the routes
// see: the method, the path and the undecoded query apart, header names in lower case (the last
// of repeated names wins), and the body when Beast read one. Used by Session and by the HTTP
// fuzzer, which drives the same parse without a socket.
//
// Includes Beast: only for the .cc files that already parse HTTP.
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/beast/http.hpp>

#include "common/strings.h"
#include "http/http_types.h"

namespace vs {

template <class Body>
HttpRequest to_request(const boost::beast::http::request<Body>& r) {
  HttpRequest req;
  req.method = std::string(r.method_string());
  const std::string_view target(r.target());
  const auto q = target.find('?');
  req.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
  for (const auto& field : r) {
    req.headers[to_lower(field.name_string())] = std::string(field.value());
  }
  if constexpr (std::is_same_v<Body, boost::beast::http::string_body>) req.body = r.body();
  return req;
}

}  // namespace vs
