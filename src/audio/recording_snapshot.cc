#include "audio/recording_snapshot.h"

#include <nlohmann/json.hpp>

namespace vs {
namespace {

nlohmann::json text_or_null(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }


}  // namespace

void to_json(nlohmann::json& out, const RecordingSnapshot& r) {
  out = {{"id", text_or_null(r.id)},
         {"state", r.state},
         {"source", text_or_null(r.source)},
         {"input", text_or_null(r.input)},
         {"reason", text_or_null(r.reason)},
         {"error", text_or_null(r.error)},
         {"started_at", rfc3339_or_null(r.started_at)},
         {"stopped_at", rfc3339_or_null(r.stopped_at)},
         {"frames_captured", r.frames_captured},
         {"frames_sent", r.frames_sent},
         {"frames_acked", r.frames_acked},
         {"frames_rejected", r.frames_rejected},
         {"frames_replayed", r.frames_replayed},
         {"frames_lost", r.frames_lost},
         {"worker_frames_received", r.worker_frames_received},
         {"occupancy", r.occupancy},
         {"level", to_string(r.level)}};
}

}  // namespace vs
