// WebSocketOffer reads what a browser's WebSocket handshake offers in Sec-WebSocket-Protocol.
// A browser cannot set an Authorization header on a WebSocket, and a token in the URL ends up
// in logs and history, so the dashboard sends the bearer token as one more offered subprotocol,
// "bearer.<base64url of the token>" (as Kubernetes does); the server never selects that one.
//
//   WebSocketOffer offer = read_websocket_offer(request.header("sec-websocket-protocol"));
//   if (offer.bearer) request.headers["authorization"] = "Bearer " + *offer.bearer;
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vs {

inline constexpr const char* kAudioSubprotocol = "voice-sidecar.audio.v1";

struct WebSocketOffer {
  bool audio = false;                 // kAudioSubprotocol was offered: the server selects it
  std::optional<std::string> bearer;  // the decoded token, when a well-formed one was offered
};

WebSocketOffer read_websocket_offer(std::string_view protocols);

// RFC 4648 §5 (URL and file name safe alphabet), padding optional; nullopt when malformed.
std::optional<std::string> decode_base64url(std::string_view text);

}  // namespace vs
