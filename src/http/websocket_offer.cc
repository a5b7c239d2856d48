#include "http/websocket_offer.h"

#include <array>
#include <cstdint>

#include <boost/beast/http/rfc7230.hpp>

namespace vs {
namespace {

// Boost 1.81 keeps its base64 in beast::detail (not a public API); this alphabet is all we need.
constexpr std::array<int8_t, 256> url_alphabet() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(chars[i])] = static_cast<int8_t>(i);
  return table;
}

}  // namespace

std::optional<std::string> decode_base64url(std::string_view text) {
  static constexpr auto table = url_alphabet();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;  // no whole byte ends there
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int held = 0;
  for (const char c : text) {
    const int8_t v = table[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<char>((bits >> held) & 0xff));
    }
  }
  return out;
}

WebSocketOffer read_websocket_offer(std::string_view protocols) {
  WebSocketOffer offer;
  // Sec-WebSocket-Protocol is a list of tokens (RFC 6455 §11.3.4); Beast reads such lists.
  for (const auto& token : boost::beast::http::token_list(protocols)) {
    const std::string_view item(token.data(), token.size());
    if (item == kAudioSubprotocol) offer.audio = true;
    constexpr std::string_view kBearer = "bearer.";
    if (item.size() > kBearer.size() && item.substr(0, kBearer.size()) == kBearer) {
      offer.bearer = decode_base64url(item.substr(kBearer.size()));
    }
  }
  return offer;
}

}  // namespace vs
