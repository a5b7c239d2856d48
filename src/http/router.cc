#include "http/router.h"

#include "http/bearer.h"

namespace vs {

Router::Router(std::string token, RequestPolicy policy) : token_(std::move(token)), policy_(std::move(policy)) {}

void Router::add(const std::string& method, const std::string& path, Handler handler, Access access) {
  add_async(method, path, [handler = std::move(handler)](const HttpRequest& r, Respond done) { done(handler(r)); },
            access);
}

void Router::add_async(const std::string& method, const std::string& path, AsyncHandler handler,
                       Access access) {
  routes_[path][method] = Route{std::move(handler), {}, access};
}

void Router::add_upload(const std::string& method, const std::string& path, UploadHandler handler,
                        Access access) {
  routes_[path][method] = Route{{}, std::move(handler), access};
}

namespace {

// Matches `path` against a pattern with {name} segments; fills `params` when it does.
bool match_pattern(std::string_view pattern, std::string_view path, std::map<std::string, std::string>* params) {
  std::map<std::string, std::string> found;
  while (!pattern.empty() && !path.empty()) {
    const size_t pe = pattern.find('/', 1), se = path.find('/', 1);
    const std::string_view p = pattern.substr(0, pe), s = path.substr(0, se);
    if (p.size() > 3 && p.substr(0, 2) == "/{" && p.back() == '}') {
      if (s.size() < 2) return false;  // "/" alone: an empty segment
      found.emplace(std::string(p.substr(2, p.size() - 3)), std::string(s.substr(1)));
    } else if (p != s) {
      return false;
    }
    pattern.remove_prefix(p.size());
    path.remove_prefix(s.size());
  }
  if (!pattern.empty() || !path.empty()) return false;
  if (params) *params = std::move(found);
  return true;
}

}  // namespace

const Router::Methods* Router::find_path(const std::string& path, std::map<std::string, std::string>* params) const {
  if (auto it = routes_.find(path); it != routes_.end()) return &it->second;
  for (const auto& [pattern, methods] : routes_) {
    if (pattern.find('{') != std::string::npos && match_pattern(pattern, path, params)) return &methods;
  }
  return nullptr;
}

const Router::Route* Router::find(const HttpRequest& request) const {
  const Methods* methods = find_path(request.path, nullptr);
  if (!methods) return nullptr;
  auto route_it = methods->find(request.method);
  return route_it == methods->end() ? nullptr : &route_it->second;
}

bool Router::uploads(const HttpRequest& request) const {
  const Route* route = find(request);
  return route && route->upload;
}

UploadStart Router::open_upload(const HttpRequest& headers) const {
  const Route* route = nullptr;
  if (auto refused = refuse(headers, route)) return std::move(*refused);
  if (!route->upload) return error_reply(500, "internal error: not an upload route");
  return route->upload(headers);
}

namespace {

// Constant-time comparison, so the token cannot be guessed byte by byte from response times.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

bool Router::authorized(const HttpRequest& request) const {
  if (token_.empty()) return true;
  const std::string header = request.header("authorization");
  const auto given = bearer_token(header);
  return given && same_secret(std::string(*given), token_);
}

std::optional<HttpReply> Router::refuse(const HttpRequest& request, const Route*& matched) const {
  const Methods* found = find_path(request.path, nullptr);
  if (!found) {
    return error_reply(404, "no such endpoint: " + request.path + " (the API lives under /v1/, see /v1/health)");
  }
  const auto& methods = *found;
  auto route_it = methods.find(request.method);
  if (route_it == methods.end()) {
    std::string allow;
    for (const auto& [method, route] : methods) allow += (allow.empty() ? "" : ", ") + method;
    HttpReply r = error_reply(405, "method not allowed");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  const Route& route = route_it->second;
  if (auto foreign = refuse_foreign(request, policy_)) return foreign;
  if (route.access == Access::Token && !authorized(request)) {
    HttpReply r = error_reply(401, "missing or wrong bearer token: send 'Authorization: Bearer <token>' "
                                   "with the token the daemon was configured with");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (!route.upload) {
    if (auto not_json = refuse_non_json(request)) return not_json;
  }
  matched = &route;
  return std::nullopt;
}

void Router::dispatch(const HttpRequest& request, Respond done) const {
  const Route* route = nullptr;
  if (auto refused = refuse(request, route)) return done(std::move(*refused));
  if (!route->handler) return done(error_reply(500, "internal error: an upload route was dispatched whole"));
  if (routes_.count(request.path)) return route->handler(request, std::move(done));
  HttpRequest with_params = request;  // a pattern's route: its handler reads the segments
  find_path(request.path, &with_params.params);
  route->handler(with_params, std::move(done));
}

HttpReply Router::dispatch(const HttpRequest& request) const {
  std::optional<HttpReply> reply;
  dispatch(request, [&reply](HttpReply r) { reply = std::move(r); });
  return reply ? std::move(*reply) : error_reply(500, "internal error: the route did not answer at once");
}

}  // namespace vs
