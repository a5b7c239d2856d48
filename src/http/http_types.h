// HttpRequest and HttpReply are the control plane's own small view of HTTP, so routing and
// the API handlers stay free of Beast (which lives only in the server) and are unit-testable.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_text.h"  // dump_json

namespace vs {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // target without the query string
  std::string query;                           // after '?', undecoded ("" when none)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::map<std::string, std::string> params;   // a route pattern's {name} segments, set by the Router

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

// The body of a streaming reply (the SSE event stream), pulled by the server as fast as its
// client reads: no thread waits on a stream. Pull appends what is ready now; after Idle the
// server asks to be woken when there is more.
class ReplyStream {
 public:
  enum class Pull { Data, Idle, End };
  virtual ~ReplyStream() = default;
  // Appends to `out` what is ready now, up to about `max_bytes`.
  virtual Pull pull(std::string& out, size_t max_bytes) = 0;
  // Calls `wake` once, from any thread, when pull() would give more; false when it already would.
  virtual bool wake_when_ready(std::function<void()> wake) = 0;
  // The client went away before the stream's end: stop the work that feeds it, if any.
  virtual void abandon() {}
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this stream after the headers (no Content-Length; the connection
  // closes when it ends).
  std::shared_ptr<ReplyStream> stream;
};

// Hands a route's answer back to the server, from any thread, exactly once.
using Respond = std::function<void(HttpReply)>;

HttpReply json_reply(int status, const nlohmann::json& body);
// {"error": sentence} — every error answer of the API has this shape.
HttpReply error_reply(int status, const std::string& sentence);

}  // namespace vs
