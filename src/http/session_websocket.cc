// The WebSocket part of Session: an upload route reached by a WebSocket upgrade. Browsers cannot
// stream a request body over HTTP/1.1 (Chromium's streaming fetch needs HTTP/2), so the
// dashboard's microphone sends its PCM as binary messages instead; the upload receiver, the
// ring, the overflow stop and the replay are the same as for POST /v1/audio.
//
// The conversation: the client offers the subprotocol "voice-sidecar.audio.v1" (and its token as
// "bearer.<base64url>"), sends binary PCM messages, then the text {"type":"end"}; the daemon
// answers with one text message, the JSON POST /v1/audio would answer, and closes with 1000.
// A request the route refuses (busy, no worker, no token) is upgraded anyway so that a page can
// read why: one text message {"error","status"} and the close code 4000 + status. A foreign
// Origin or a path that takes no upload gets its HTTP refusal and no upgrade.
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/json_text.h"
#include "http/session.h"
#include "http/websocket_offer.h"

namespace vs {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {

constexpr size_t kMaxMessage = 1 << 20;  // 32 s of 16 kHz PCM: far more than any sane chunk
constexpr int kPolicyClose = 4400;        // the client broke the conversation (a wrong message)

// {"error": "...", "status": 409} from a refusal's JSON body.
std::string refusal_message(const HttpReply& refused) {
  json body = parse_json(refused.body);
  if (!body.is_object()) body = {{"error", refused.body}};
  body["status"] = refused.status;
  return body.dump();
}

}  // namespace

struct Session::WebSocket {
  explicit WebSocket(Stream& next) : ws(next) {}
  websocket::stream<Stream&> ws;
  beast::flat_buffer message;
  std::string out;
  std::string misuse;  // why the client's conversation was refused, told in the last message
};

void Session::start_websocket(HttpRequest req) {
  const WebSocketOffer offer = read_websocket_offer(req.header("sec-websocket-protocol"));
  if (offer.bearer && req.header("authorization").empty()) req.headers["authorization"] = "Bearer " + *offer.bearer;
  if (std::string why = set_kind(ConnKind::WebSocket); !why.empty()) {
    HttpReply busy = error_reply(503, why);
    busy.headers.emplace_back("Retry-After", "1");
    return write_reply(busy, false);
  }
  UploadStart start = open_upload(req);
  if (auto* refused = std::get_if<HttpReply>(&start)) {
    const int status = refused->status;
    if (status == 403 || status == 404 || status == 405) return write_reply(*refused, false);
    core_.count(status);
    ws_ = std::make_shared<WebSocket>(stream_);
    return accept_websocket(refusal_message(*refused), 4000 + status);
  }
  receiver_ = std::move(std::get<std::unique_ptr<UploadReceiver>>(start));
  ws_ = std::make_shared<WebSocket>(stream_);
  core_.count(101);
  accept_websocket("", 0);
}

// `first_message` (with `close_code`) is a refusal to send right after the handshake; empty for
// a conversation that goes on to read audio.
void Session::accept_websocket(std::string first_message, int close_code) {
  const bool audio = read_websocket_offer(head_->get()[beast::http::field::sec_websocket_protocol]).audio;
  stream_.expires_never();  // the WebSocket keeps its own deadlines (and pings an idle peer)
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = websocket::stream_base::none();  // set while a message is awaited
  ws_->ws.set_option(timeouts);
  ws_->ws.set_option(websocket::stream_base::decorator([audio](websocket::response_type& res) {
    if (audio) res.set(beast::http::field::sec_websocket_protocol, kAudioSubprotocol);
  }));
  ws_->ws.read_message_max(kMaxMessage);
  ws_->ws.async_accept(head_->get(), [self = shared_from_this(), first = std::move(first_message),
                                      close_code](beast::error_code ec) mutable {
    if (self->closed_) return;
    if (ec) {
      spdlog::info("WebSocket handshake failed: {}", ec.message());
      return self->receiver_ ? self->end_upload(false) : self->close();
    }
    if (!first.empty()) return self->send_websocket(std::move(first), close_code);
    self->read_message();
  });
}

// A client that sends nothing for listen.read_timeout_ms is gone (issue 16, S9: an idle one
// held the recording slot for Beast's suggested 300 s): the read fails and the upload ends.
// Pings do not count, so a browser that answers them but sends no audio is let go too. The
// deadline runs only while a message is awaited, not while the ring makes room or the answer
// is prepared.
void Session::ws_idle_deadline(bool on) {
  websocket::stream_base::timeout timeouts;
  ws_->ws.get_option(timeouts);
  timeouts.idle_timeout = on ? std::chrono::milliseconds(core_.config.read_timeout_ms)
                             : websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws_->ws.set_option(timeouts);
}

void Session::read_message() {
  if (closed_) return;
  ws_idle_deadline(true);
  ws_->message.clear();
  ws_->ws.async_read(ws_->message, [self = shared_from_this()](beast::error_code ec, size_t) { self->on_message(ec); });
}

void Session::on_message(beast::error_code ec) {
  if (closed_) return;
  ws_idle_deadline(false);
  if (ec) {
    // Closed without {"type":"end"} or gone: what arrived is still transcribed, as for an upload
    // whose client went away.
    if (ec == beast::error::timeout) {
      spdlog::info("audio WebSocket: no message for {} ms (listen.read_timeout_ms); ending it",
                   core_.config.read_timeout_ms);
    } else if (ec != websocket::error::closed && ec != asio::error::eof && ec != asio::error::connection_reset &&
        ec != asio::error::operation_aborted) {
      spdlog::info("audio WebSocket ended by an error: {}", ec.message());
    }
    return end_upload(false);
  }
  const auto bytes = ws_->message.cdata();
  const std::string_view data(static_cast<const char*>(bytes.data()), bytes.size());
  if (ws_->ws.got_text()) {
    const json message = parse_json(data);
    if (message.is_object() && message.value("type", json()) == "end") return end_upload(true);
    ws_->misuse = "unexpected text message; send 16 kHz s16le mono PCM as binary messages, then {\"type\":\"end\"}";
    return end_upload(false);
  }
  switch (receiver_->on_chunk(data)) {
    case UploadStep::Continue: return read_message();
    case UploadStep::Pause: return pause_upload();
    case UploadStep::Stop: return end_upload(false);
  }
}

void Session::send_websocket(std::string text, int close_code) {
  if (closed_) return;
  if (!ws_->misuse.empty()) {  // the answer says first what the client did wrong
    json body = parse_json(text);
    json told = {{"error", ws_->misuse}, {"status", 400}};
    if (body.is_object()) told["recording"] = body.contains("recording") ? body["recording"] : body;
    text = told.dump();
    close_code = kPolicyClose;
  }
  ws_->out = std::move(text);
  ws_->ws.text(true);
  ws_->ws.async_write(asio::buffer(ws_->out), [self = shared_from_this(), close_code](beast::error_code ec, size_t) {
    if (ec || self->closed_) return self->close();
    const auto code = static_cast<websocket::close_code>(close_code);
    self->ws_->ws.async_close(websocket::close_reason(code), [self](beast::error_code) { self->close(); });
  });
}

}  // namespace vs
