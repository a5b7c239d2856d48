#include "http/query_param.h"

#include <boost/url/parse_query.hpp>
#include <boost/url/params_view.hpp>
// Boost.URL is compiled here, into this one file (Boost 1.81 ships it as sources).
#include <boost/url/src.hpp>

namespace vs {

std::optional<std::string> query_param(std::string_view query, std::string_view name, std::string* error) {
  const auto parsed = boost::urls::parse_query(query);
  if (!parsed) {
    if (error) {
      *error = "the query string is not valid: " + parsed.error().message() +
               " (a '%' must start an escape like %20)";
    }
    return std::nullopt;
  }
  const boost::urls::params_view params(*parsed, boost::urls::encoding_opts(/*space_as_plus=*/true));
  const auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  const auto param = *it;
  return param.has_value ? param.value : std::string();
}

}  // namespace vs
