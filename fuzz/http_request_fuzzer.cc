// Fuzzes what a request brings before a handler runs, in the order Session takes it: the raw
// head checked against the framing rules Beast does not enforce, the head and body parsed by
// Beast with the daemon's limits, the router's refusals (404/405, foreign Host or Origin, the
// token, non-JSON bodies), and the parsers of the headers and bodies the routes read (bearer,
// WebSocket subprotocols, the audio Content-Type, JSON bodies, OpenAI's multipart form and the
// header of the audio file it carries: rate, channels and the resampler set up for them).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "common/http_limits.h"
#include "common/json_text.h"
#include "http/bearer.h"
#include "http/beast_request.h"
#include "http/openai_request.h"
#include "http/recording_routes.h"
#include "http/request_policy.h"
#include "http/router.h"
#include "http/strict_head.h"
#include "http/websocket_offer.h"
#include "audio/audio_source.h"
#include "sources/file_source.h"

namespace {

namespace http = boost::beast::http;

// The daemon's paths with answers that do nothing: what is fuzzed is the routing around them.
const vs::Router& router() {
  static const vs::Router r = [] {
    vs::Router r("fuzz-token", vs::RequestPolicy{true, {"voice.example"}, {"http://app.example"}});
    const auto ok = [](const vs::HttpRequest&) { return vs::json_reply(200, {{"ok", true}}); };
    for (const char* path : {"/v1/gates/heavy-load", "/v1/control/status", "/v1/metrics", "/v1/events", "/v1/models"}) {
      r.add("GET", path, ok);
    }
    for (const char* path : {"/v1/control/start", "/v1/control/stop", "/v1/control/restart", "/v1/recording/start",
                             "/v1/recording/stop"}) {
      r.add("POST", path, ok);
    }
    r.add("GET", "/v1/health", ok, vs::Access::Public);
    return r;
  }();
  return r;
}

void read_request_fields(const vs::HttpRequest& req) {
  (void)vs::bearer_token(req.header("authorization"));
  (void)vs::read_websocket_offer(req.header("sec-websocket-protocol"));
  const std::string content_type = req.header("content-type");
  (void)vs::refuse_audio_type(content_type);
  if (vs::media_type(content_type) == "application/json") (void)vs::parse_json(req.body);
  if (vs::media_type(content_type) == "multipart/form-data") {
    const auto parsed = vs::parse_transcription_request(content_type, req.body, {"tiny.en", "whisper-1"});
    if (const auto* form = std::get_if<vs::TranscriptionRequest>(&parsed)) {
      try {  // what the route does before a recording starts; a hostile header must be refused here
        (void)vs::FileSource::open_memory(std::string(form->audio), form->filename, false);
      } catch (const vs::SourceError&) {
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t end = bytes.find("\r\n\r\n");
  if (end != std::string_view::npos && end + 4 <= vs::kRequestHeadLimit) {
    if (vs::check_request_head(bytes.substr(0, end + 4))) return 0;  // refused: 400 or 501, closed
  }
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(vs::kRequestHeadLimit));
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = 0;
  while (used < size && !parser.is_done() && !ec) {
    const size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (n == 0) break;  // wants more than there is
    used += n;
    if (ec == http::error::need_more) ec = {};
  }
  if (!parser.is_header_done() || (ec && ec != http::error::need_more)) return 0;  // 400
  const vs::HttpRequest req = vs::to_request(parser.get());
  router().dispatch(req, [](vs::HttpReply) {});
  read_request_fields(req);
  return 0;
}
