// The OpenAI-compatible door onto the one recording path (DESIGN.md §2): POST
// /v1/audio/transcriptions takes a multipart upload (any audio libsndfile reads), plays it as a
// file recording through the same ring, pump and worker as every other source — not at real
// time, waiting on a full ring — and answers with the transcript in the requested
// response_format, or streams it as SSE with stream=true. GET /v1/models lists the model.
// Errors are OpenAI's {"error": {"message", "type", "param", "code"}}, so its SDKs raise their
// own exceptions (BadRequestError, ConflictError, ...). The bearer token is the API key.
//
//   install_openai_routes(router, ctx);   // from install_api_v1
#pragma once

#include "http/router.h"

namespace vs {

struct ApiContext;

void install_openai_routes(Router& router, const ApiContext& context);

}  // namespace vs
