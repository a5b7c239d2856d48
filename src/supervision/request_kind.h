// The three lifecycle requests a user can make of the supervisor.
#pragma once

namespace vs {

enum class RequestKind { Start, Stop, Restart };

inline const char* to_string(RequestKind k) {
  switch (k) {
    case RequestKind::Start: return "start";
    case RequestKind::Stop: return "stop";
    case RequestKind::Restart: return "restart";
  }
  return "?";
}

}  // namespace vs
