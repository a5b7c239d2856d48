// HttpRequest and HttpReply are the control plane's own small view of HTTP, so routing and
// the API handlers stay free of Beast (which lives only in the server) and are unit-testable.
#pragma once

#include <functional>
#include <map>
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

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Where a streaming reply (the SSE event stream) writes its body, chunk by chunk.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Writes and waits until written; false when the client is gone or too slow.
  virtual bool write(std::string_view chunk) = 0;
  // True once the server is shutting down; a stream should end.
  virtual bool stopping() const = 0;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is produced by this function after the headers (no Content-Length,
  // connection closed at the end).
  std::function<void(StreamWriter&)> stream;
};

HttpReply json_reply(int status, const nlohmann::json& body);
// {"error": sentence} — every error answer of the API has this shape.
HttpReply error_reply(int status, const std::string& sentence);

}  // namespace vs
