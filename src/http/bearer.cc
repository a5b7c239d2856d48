#include "http/bearer.h"

#include <boost/beast/core/string.hpp>

namespace vs {

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !boost::beast::iequals(authorization.substr(0, kScheme.size()), kScheme) || authorization[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  const size_t start = authorization.find_first_not_of(' ', kScheme.size());
  if (start == std::string_view::npos) return std::nullopt;
  return authorization.substr(start);
}

}  // namespace vs
