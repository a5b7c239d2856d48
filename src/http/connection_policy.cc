#include "http/connection_policy.h"

namespace vs {
namespace {

size_t count_of(const ConnCounts& counts, ConnKind kind) { return counts[static_cast<size_t>(kind)]; }

// Closing these costs nobody anything they are waiting for: an idle keep-alive, a head still
// on its way, an answer its client does not take.
bool stalled(ConnKind kind) { return kind == ConnKind::Idle || kind == ConnKind::Writing; }

// Uploads and audio WebSockets share one cap (both feed or buffer audio).
bool upload_like(ConnKind kind) { return kind == ConnKind::Upload || kind == ConnKind::WebSocket; }

}  // namespace

bool long_lived(ConnKind kind) {
  return kind == ConnKind::Upload || kind == ConnKind::Stream || kind == ConnKind::WebSocket;
}

std::string refuse_kind(const ConnCounts& counts, ConnKind kind, const ConnectionLimits& limits) {
  if (!long_lived(kind)) return {};
  const size_t uploads = count_of(counts, ConnKind::Upload) + count_of(counts, ConnKind::WebSocket);
  const size_t streams = count_of(counts, ConnKind::Stream);
  if (upload_like(kind) && uploads >= limits.max_uploads) {
    return "too many uploads in progress (" + std::to_string(limits.max_uploads) + "); retry when one has ended";
  }
  if (kind == ConnKind::Stream && streams >= limits.max_streams) {
    return "too many event streams (" + std::to_string(limits.max_streams) + "); close one and try again";
  }
  const size_t share = limits.max_connections > limits.reserve ? limits.max_connections - limits.reserve : 0;
  if (uploads + streams >= share) {
    return "too many uploads and event streams (" + std::to_string(share) +
           " connections; the rest are kept for health and control); retry later";
  }
  return {};
}

std::optional<size_t> pick_eviction(std::span<const ConnView> open) {
  std::optional<size_t> stalled_oldest;
  std::array<std::optional<size_t>, kConnKinds> oldest_of{};
  ConnCounts counts{};
  for (size_t i = 0; i < open.size(); ++i) {
    const ConnView& c = open[i];
    const auto k = static_cast<size_t>(c.kind);
    ++counts[k];
    if (stalled(c.kind) && (!stalled_oldest || c.since < open[*stalled_oldest].since)) stalled_oldest = i;
    if (!oldest_of[k] || c.since < open[*oldest_of[k]].since) oldest_of[k] = i;
  }
  if (stalled_oldest) return stalled_oldest;
  // The long-lived kind holding the most slots gives up its oldest connection.
  std::optional<ConnKind> worst;
  for (ConnKind kind : {ConnKind::Upload, ConnKind::Stream, ConnKind::WebSocket}) {
    const size_t n = count_of(counts, kind);
    if (n > 0 && (!worst || n > count_of(counts, *worst))) worst = kind;
  }
  if (!worst) return std::nullopt;
  return oldest_of[static_cast<size_t>(*worst)];
}

}  // namespace vs
