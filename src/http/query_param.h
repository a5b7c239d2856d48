// query_param() reads one parameter of a request's query string (HttpRequest::query, after the
// '?'), percent-decoded and with '+' as a space, as browsers and HTTP clients encode forms. It is
// Boost.URL's parser; the routes' own hand parsers did not decode ("realtime=f%61lse" was not
// "false").
//
//   std::string bad;
//   auto realtime = query_param(req.query, "realtime", &bad);  // nullopt: absent (or bad query)
//   if (!bad.empty()) return error_reply(400, bad);
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vs {

// The first value of `name`: "" for a bare `name` or `name=`, nullopt when absent. A query that
// is not valid (a stray '%') gives nullopt and a sentence in `*error`.
std::optional<std::string> query_param(std::string_view query, std::string_view name, std::string* error);

}  // namespace vs
