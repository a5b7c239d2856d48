// The recording API of DESIGN.md §2: POST /v1/recording/start, POST /v1/recording/stop and the
// streamed upload POST /v1/audio, all onto the one Recorder (one recording at a time).
#pragma once

#include "http/router.h"

namespace vs {

struct ApiContext;

void install_recording_routes(Router& router, const ApiContext& context);

// The 415 for an upload whose Content-Type is not audio/L16;rate=16000;channels=1 (channels
// may be left out: RFC 2586's default is 1), or nullopt.
std::optional<HttpReply> refuse_audio_type(const std::string& content_type);

}  // namespace vs
