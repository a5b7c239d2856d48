// Router maps (method, path) to a handler and answers what no handler takes: 404 for an
// unknown path, 405 with an Allow header for a known path and a wrong method, 403 for a foreign
// Host or Origin and 415 for a POST body that is not JSON (RequestPolicy), 401 when a bearer
// token is configured and missing (every path but the public ones).
//
// Every handler runs on one of the server's I/O threads and must not block: a quick one returns
// its reply (health, status, metrics), a slow one (a control call that waits for the worker)
// answers later through its Respond, from whatever thread finishes the work. Upload routes take
// their body as it arrives (POST /v1/audio): the handler sees the headers and either answers at
// once or returns an UploadReceiver that gets the body chunk by chunk.
//
// A path may hold `{name}` segments ("/v1/recordings/{id}/stop"): each matches one non-empty
// segment, and the handler finds it in request.params. An exact path wins over a pattern.
//
//   Router r("secret", policy);
//   r.add("GET", "/v1/health", health, Access::Public);
//   r.add_async("POST", "/v1/control/start", [&](const HttpRequest&, Respond done) { ... });
//   r.dispatch(request, [](HttpReply reply) { ... });
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "http/http_types.h"
#include "http/request_policy.h"

namespace vs {

enum class Access { Public, Token };

// Receives an upload's body, on the server's I/O thread; nothing here may block. Pause asks the
// server to stop reading the socket (TCP then slows the client down) and to call resume() a
// moment later until it says Continue. finish is called once the body ended (complete) or
// reading stopped early (the client went away, a read failed, or a Stop), and answers through
// `done` when it is ready to (after the worker's last final, for a recording the upload owns).
enum class UploadStep { Continue, Pause, Stop };

class UploadReceiver {
 public:
  virtual ~UploadReceiver() = default;
  virtual UploadStep on_chunk(std::string_view bytes) = 0;
  // After a Pause: `wake` runs once (on any thread) when resume() or end_of_body() may get
  // further. A receiver that says Pause must say when; the default wakes at once.
  virtual void when_ready(std::function<void()> wake) { wake(); }
  virtual UploadStep resume() { return UploadStep::Continue; }
  // The body has ended (complete or not); Pause until what it held back is passed on, then
  // finish() follows.
  virtual UploadStep end_of_body(bool /*complete*/) { return UploadStep::Continue; }
  virtual void finish(bool complete, Respond done) = 0;
  // After finish(): the client went away before the answer could be written. Stop the work
  // done for it (a transcription ends its recording): an answer that still comes is dropped.
  virtual void abandon() {}
};
using UploadStart = std::variant<HttpReply, std::unique_ptr<UploadReceiver>>;

class Router {
 public:
  using Handler = std::function<HttpReply(const HttpRequest&)>;
  using AsyncHandler = std::function<void(const HttpRequest&, Respond)>;
  using UploadHandler = std::function<UploadStart(const HttpRequest& headers)>;

  explicit Router(std::string token = "", RequestPolicy policy = {});

  void add(const std::string& method, const std::string& path, Handler handler, Access access = Access::Token);
  void add_async(const std::string& method, const std::string& path, AsyncHandler handler,
                 Access access = Access::Token);
  void add_upload(const std::string& method, const std::string& path, UploadHandler handler,
                  Access access = Access::Token);

  // Answers `request` through `done` (at once, or later for an async route).
  void dispatch(const HttpRequest& request, Respond done) const;
  // For a route that answers at once (and every refusal): the reply. Tests use it.
  HttpReply dispatch(const HttpRequest& request) const;
  // True when this request (headers only) goes to an upload route.
  bool uploads(const HttpRequest& request) const;
  // For an upload route: the refusal (404/405/403/401) or the handler's own start.
  UploadStart open_upload(const HttpRequest& headers) const;

 private:
  struct Route {
    AsyncHandler handler;
    UploadHandler upload;
    Access access;
  };
  using Methods = std::map<std::string, Route>;
  bool authorized(const HttpRequest& request) const;
  // The routes of `path`, exact or by pattern (filling `params`), or null.
  const Methods* find_path(const std::string& path, std::map<std::string, std::string>* params) const;
  const Route* find(const HttpRequest& request) const;
  // The answer for a request no handler may take, or nullopt; `route` is set when one matched.
  std::optional<HttpReply> refuse(const HttpRequest& request, const Route*& route) const;

  std::string token_;
  RequestPolicy policy_;
  std::map<std::string, Methods> routes_;  // path or pattern -> method -> route
};

}  // namespace vs
