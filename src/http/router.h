// Router maps (method, path) to a handler and answers what no handler takes: 404 for an
// unknown path, 405 with an Allow header for a known path and a wrong method, 401 when a
// bearer token is configured and missing (every path but the public ones).
//
//   Router r("secret");
//   r.add("GET", "/v1/health", health, Access::Public);
//   HttpReply reply = r.dispatch(request);
#pragma once

#include <functional>
#include <map>
#include <string>

#include "http/http_types.h"

namespace vs {

enum class Access { Public, Token };
// Inline handlers answer at once (they only read snapshots) and run on the server's I/O thread;
// Blocking ones (control calls that wait for the worker, event streams) get a thread each.
enum class Runs { Inline, Blocking };

class Router {
 public:
  using Handler = std::function<HttpReply(const HttpRequest&)>;

  explicit Router(std::string token = "");

  void add(const std::string& method, const std::string& path, Handler handler,
           Access access = Access::Token, Runs runs = Runs::Inline);
  HttpReply dispatch(const HttpRequest& request) const;
  // True when dispatch() would run a Blocking handler for this request.
  bool blocks(const HttpRequest& request) const;

 private:
  struct Route {
    Handler handler;
    Access access;
    Runs runs;
  };
  bool authorized(const HttpRequest& request) const;
  const Route* find(const HttpRequest& request) const;

  std::string token_;
  std::map<std::string, std::map<std::string, Route>> routes_;  // path -> method -> route
};

}  // namespace vs
