#include "http/websocket_session.h"

#include <variant>

#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/json_text.h"
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

WebSocketSession::WebSocketSession(Protocol::socket socket, ServerCore& core)
    : Connection(core, socket.get_executor()), ws_(std::move(socket)) {}

void WebSocketSession::start(Upgrade upgrade, UploadStart start) {
  upgrade_ = std::move(upgrade);
  if (auto* refused = std::get_if<HttpReply>(&start)) {
    return accept(refusal_message(*refused), 4000 + refused->status);
  }
  upload_.emplace(std::move(std::get<std::unique_ptr<UploadReceiver>>(start)), weak_from_this(), executor(),
                  core_.stopping);
  accept("", 0);
}

void WebSocketSession::shut() {
  if (!core_.stopping && upload_) upload_->abandon();  // the daemon's shutdown stops every recording itself
  auto& stream = beast::get_lowest_layer(ws_);
  beast::error_code ignored;
  stream.socket().shutdown(Protocol::socket::shutdown_both, ignored);
  stream.close();
  if (upload_) upload_->cancel();
}

void WebSocketSession::interrupt() {
  auto& stream = beast::get_lowest_layer(ws_);
  beast::error_code ignored;
  stream.socket().shutdown(Protocol::socket::shutdown_both, ignored);
  stream.socket().cancel(ignored);
  if (upload_) upload_->cancel();
}

void WebSocketSession::accept(std::string first_message, int close_code) {
  const bool audio = read_websocket_offer(upgrade_[beast::http::field::sec_websocket_protocol]).audio;
  beast::get_lowest_layer(ws_).expires_never();  // the WebSocket keeps its own deadlines
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = websocket::stream_base::none();  // set while a message is awaited
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([audio](websocket::response_type& res) {
    if (audio) res.set(beast::http::field::sec_websocket_protocol, kAudioSubprotocol);
  }));
  ws_.read_message_max(kMaxMessage);
  ws_.async_accept(upgrade_, [self = shared_from_this(), first = std::move(first_message),
                              close_code](beast::error_code ec) mutable {
    if (self->closed()) return;
    if (ec) {
      spdlog::info("WebSocket handshake failed: {}", ec.message());
      return self->upload_ ? self->upload_->end(false) : self->close();
    }
    if (!first.empty()) return self->send(std::move(first), close_code);
    self->read_message();
  });
}

// A client that sends nothing for listen.read_timeout_ms is gone (issue 16, S9: an idle one
// held the recording slot for Beast's suggested 300 s): the read fails and the upload ends.
// Pings do not count, so a browser that answers them but sends no audio is let go too. The
// deadline runs only while a message is awaited, not while the ring makes room or the answer
// is prepared.
void WebSocketSession::idle_deadline(bool on) {
  websocket::stream_base::timeout timeouts;
  ws_.get_option(timeouts);
  timeouts.idle_timeout = on ? std::chrono::milliseconds(core_.config.read_timeout_ms)
                             : websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws_.set_option(timeouts);
}

void WebSocketSession::read_message() {
  if (closed()) return;
  idle_deadline(true);
  message_.clear();
  ws_.async_read(message_, [self = shared_from_this()](beast::error_code ec, size_t) { self->on_message(ec); });
}

void WebSocketSession::on_message(beast::error_code ec) {
  if (closed()) return;
  idle_deadline(false);
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
    return upload_->end(false);
  }
  const auto bytes = message_.cdata();
  const std::string_view data(static_cast<const char*>(bytes.data()), bytes.size());
  if (ws_.got_text()) {
    const json message = parse_json(data);
    if (message.is_object() && message.value("type", json()) == "end") return upload_->end(true);
    misuse_ = "unexpected text message; send 16 kHz s16le mono PCM as binary messages, then {\"type\":\"end\"}";
    return upload_->end(false);
  }
  switch (upload_->take(data)) {
    case UploadStep::Continue: return read_message();
    case UploadStep::Pause: return upload_->pause();
    case UploadStep::Stop: return upload_->end(false);
  }
}

void WebSocketSession::answer(HttpReply r) {
  if (closed()) return;
  if (upload_) upload_->answered();
  // An upload route answers a WebSocket with JSON; a stream would have no reader here.
  if (r.stream) r.stream->abandon();
  send(std::move(r.body), 1000);
}

void WebSocketSession::send(std::string text, int close_code) {
  if (closed()) return;
  if (!misuse_.empty()) {  // the answer says first what the client did wrong
    json body = parse_json(text);
    json told = {{"error", misuse_}, {"status", 400}};
    if (body.is_object()) told["recording"] = body.contains("recording") ? body["recording"] : body;
    text = told.dump();
    close_code = kPolicyClose;
  }
  out_ = std::move(text);
  ws_.text(true);
  ws_.async_write(asio::buffer(out_), [self = shared_from_this(), close_code](beast::error_code ec, size_t) {
    if (ec || self->closed()) return self->close();
    const auto code = static_cast<websocket::close_code>(close_code);
    self->ws_.async_close(websocket::close_reason(code), [self](beast::error_code) { self->close(); });
  });
}

}  // namespace vs
