// The connection policy decides who may hold the HTTP server's connection slots, so that health
// and control calls always get one however the other slots are used (issue 16, S4), as nginx's
// and Envoy's overload handling does. It is pure: the server feeds it what its sessions are
// doing and does what it says.
//
// A connection's kind is known only once its head is read, so every accepted connection is let
// in (up to the hard cap) and classified later:
//   - admit_kind(): a connection turning into a long-lived kind (an upload, an event stream, a
//     WebSocket) is refused (503) past that kind's cap, or past the share all long-lived kinds
//     together may take, which keeps `reserve` slots for requests that are answered at once;
//   - pick_eviction(): at the hard cap a new connection closes the worst offender: the one that
//     has waited longest doing nothing (an idle keep-alive, a slow head, a reply its client does
//     not read), else the oldest of the long-lived kind holding the most slots. A request being
//     handled is never closed for a newcomer.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace vs {

enum class ConnKind {
  Idle,       // waiting for (the rest of) a request head
  Handling,   // a route is working on the request (a control call may wait for the worker)
  Writing,    // an answer is being written; a client that does not read leaves it here
  Upload,     // a request body handed to an upload route as it arrives
  Stream,     // an event stream (SSE) being written
  WebSocket,  // an audio WebSocket
};
constexpr size_t kConnKinds = 6;

struct ConnectionLimits {
  size_t max_connections = 2048;  // the hard cap: past it a new connection evicts or is refused
  size_t reserve = 64;            // slots long-lived kinds together never take
  size_t max_uploads = 1024;      // concurrent uploads and audio WebSockets
  size_t max_streams = 1024;      // concurrent GET /v1/events and streamed transcriptions
};

using ConnCounts = std::array<size_t, kConnKinds>;  // open connections by kind

// What one open connection is doing, and since when.
struct ConnView {
  ConnKind kind;
  std::chrono::steady_clock::time_point since;
};

bool long_lived(ConnKind kind);

// Why a connection may not become `kind` with `counts` open now (a sentence for a 503); empty
// when it may. `counts` includes the connection itself, in the kind it has now.
std::string refuse_kind(const ConnCounts& counts, ConnKind kind, const ConnectionLimits& limits);

// The connection to close to make room for a new one, or nullopt when none may be closed.
std::optional<size_t> pick_eviction(std::span<const ConnView> open);

}  // namespace vs
