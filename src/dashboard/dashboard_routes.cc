#include "dashboard/dashboard_routes.h"

#include <string>

#include "dashboard/web_assets.h"

namespace vs {
namespace {

// No inline script, no other origin, no framing by another page: a page that drives the
// daemon must not be embeddable or injectable. connect-src 'self' covers the WebSocket too.
constexpr const char* kPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

HttpReply asset_reply(const WebAsset& asset) {
  HttpReply r;
  r.content_type = std::string(asset.content_type);
  r.body = std::string(asset.bytes);
  // The files change with the binary: never let a browser keep an older page than the daemon.
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Content-Security-Policy", kPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace

void install_dashboard_routes(Router& router) {
  for (const WebAsset& asset : web_assets()) {
    const auto reply = [&asset](const HttpRequest&) { return asset_reply(asset); };
    if (asset.name == "index.html") router.add("GET", "/", reply, Access::Public);
    router.add("GET", "/ui/" + std::string(asset.name), reply, Access::Public);
  }
}

}  // namespace vs
