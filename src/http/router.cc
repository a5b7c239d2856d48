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

const Router::Route* Router::find(const HttpRequest& request) const {
  auto path_it = routes_.find(request.path);
  if (path_it == routes_.end()) return nullptr;
  auto route_it = path_it->second.find(request.method);
  return route_it == path_it->second.end() ? nullptr : &route_it->second;
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
  auto path_it = routes_.find(request.path);
  if (path_it == routes_.end()) {
    return error_reply(404, "no such endpoint: " + request.path + " (the API lives under /v1/, see /v1/health)");
  }
  const auto& methods = path_it->second;
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
  route->handler(request, std::move(done));
}

HttpReply Router::dispatch(const HttpRequest& request) const {
  std::optional<HttpReply> reply;
  dispatch(request, [&reply](HttpReply r) { reply = std::move(r); });
  return reply ? std::move(*reply) : error_reply(500, "internal error: the route did not answer at once");
}

}  // namespace vs
