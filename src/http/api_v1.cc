#include "http/api_v1.h"

#include "common/json_text.h"
#include "common/strings.h"
#include "http/openai_routes.h"
#include "http/query_param.h"
#include "http/readiness.h"
#include "http/recording_routes.h"
#include "http/sse_body.h"

#include <charconv>
#include <chrono>

#include "common/time_format.h"
#include "common/version.h"
#include "gate/pressure_json.h"
#include "metrics/daemon_metrics.h"

namespace vs {

namespace {

using nlohmann::json;

json gate_json(const GateSnapshot& g) {
  return {{"heavy_load_allowed", g.decision.open}, {"reason", g.decision.reason}};
}


bool degraded(const GateSnapshot& g, const WorkerSnapshot& w) {
  return !g.decision.open || w.state == WorkerState::Backoff || w.state == WorkerState::Failed;
}

// The optional {"reason": "..."} body of the control calls. An empty body means the default.
// Returns an error reply when the body is present but not what the API accepts.
std::optional<HttpReply> read_reason(const HttpRequest& req, const std::string& fallback,
                                     std::string& reason) {
  reason = fallback;
  if (blank(req.body)) return std::nullopt;
  json body = parse_json(req.body);
  if (body.is_discarded()) {
    return error_reply(400, "request body is not valid JSON; send {\"reason\": \"<text>\"} or no body");
  }
  if (!body.is_object()) {
    return error_reply(400, "request body must be a JSON object like {\"reason\": \"<text>\"}");
  }
  if (auto it = body.find("reason"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return error_reply(400, "\"reason\" must be a string");
    if (!it->get<std::string>().empty()) reason = it->get<std::string>();
  }
  return std::nullopt;
}

HttpReply outcome_reply(const Outcome& o, const char* ok_status, int failure_status) {
  if (o.ok()) return json_reply(200, {{"status", ok_status}});
  HttpReply r = error_reply(failure_status, o.message);
  if (o.retry_after) r.headers.emplace_back("Retry-After", std::to_string(o.retry_after->count()));
  return r;
}

std::optional<uint64_t> parse_event_id(const std::string& text) {
  uint64_t id = 0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, id);
  if (ec != std::errc() || p != end || text.empty()) return std::nullopt;
  return id;
}

}  // namespace

void install_api_v1(Router& router, const ApiContext& ctx) {
  router.add("GET", "/v1/health", [&ctx](const HttpRequest&) {
    const GateSnapshot g = ctx.gate.snapshot();
    const WorkerSnapshot w = ctx.supervisor.snapshot();
    return json_reply(200, {{"status", degraded(g, w) ? "degraded" : "ok"},
                            {"time", rfc3339(std::chrono::system_clock::now())},
                            {"version", kVersion},
                            {"gate", gate_json(g)},
                            {"pressure", to_json(g.sample)},
                            {"worker", to_json(w)},
                            {"listen", {{"network", ctx.listen.network}, {"address", ctx.listen.address}}}});
  }, Access::Public);

  // Readiness for a load balancer's probe; public like health (it tells no data, and probes
  // rarely carry a token).
  router.add("GET", "/v1/ready", [&ctx](const HttpRequest&) {
    ReadinessInputs in;
    in.draining = ctx.recorder.draining();
    in.worker = ctx.supervisor.snapshot().state;
    in.gate = ctx.gate.snapshot().decision;
    const RecorderTotals totals = ctx.recorder.totals();
    in.recordings_active = totals.active;
    in.recordings_capacity = totals.capacity;
    const std::string why = why_not_ready(in);
    if (why.empty()) {
      return json_reply(200, {{"status", "ready"},
                              {"recordings", {{"active", in.recordings_active}, {"capacity", in.recordings_capacity}}}});
    }
    HttpReply r = error_reply(503, why);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }, Access::Public);

  router.add("GET", "/v1/gates/heavy-load", [&ctx](const HttpRequest&) {
    const GateSnapshot g = ctx.gate.snapshot();
    return json_reply(g.decision.open ? 200 : 429,
                      {{"allowed", g.decision.open}, {"reason", g.decision.reason}, {"pressure", to_json(g.sample)}});
  });

  router.add("GET", "/v1/control/status", [&ctx](const HttpRequest&) {
    const GateSnapshot g = ctx.gate.snapshot();
    return json_reply(200, {{"gate", gate_json(g)},
                            {"pressure", to_json(g.sample)},
                            {"worker", to_json(ctx.supervisor.snapshot())},
                            {"recording", ctx.recorder.snapshot()}});
  });

  // Control calls wait for the worker (ready, or stopped) without holding a thread: the
  // supervisor completes them, and the reply goes out from its completion.
  router.add_async("POST", "/v1/control/start", [&ctx](const HttpRequest& req, Respond done) {
    std::string reason;
    if (auto bad = read_reason(req, "api_start", reason)) return done(std::move(*bad));
    ctx.supervisor.start(reason, [done](const Outcome& o) { done(outcome_reply(o, "started", 503)); });
  });
  router.add_async("POST", "/v1/control/stop", [&ctx](const HttpRequest& req, Respond done) {
    std::string reason;
    if (auto bad = read_reason(req, "api_stop", reason)) return done(std::move(*bad));
    ctx.supervisor.stop(reason, [done](const Outcome& o) {
      // 504 is for a worker that could not be stopped in time; anything else is unavailable.
      done(outcome_reply(o, "stopped", o.code == Outcome::Code::TimedOut ? 504 : 503));
    });
  });
  router.add_async("POST", "/v1/control/restart", [&ctx](const HttpRequest& req, Respond done) {
    std::string reason;
    if (auto bad = read_reason(req, "api_restart", reason)) return done(std::move(*bad));
    ctx.supervisor.restart(reason, [done](const Outcome& o) { done(outcome_reply(o, "restarted", 503)); });
  });

  router.add("GET", "/v1/metrics", [&ctx](const HttpRequest&) {
    MetricsInputs in;
    in.worker = ctx.supervisor.snapshot();
    in.supervisor = ctx.supervisor.counters();
    in.ipc = ctx.supervisor.ipc_stats();
    in.gate = ctx.gate.snapshot();
    in.events = {ctx.bus.published(), ctx.bus.subscribers(), ctx.bus.lagged_events(), ctx.bus.retained_bytes()};
    in.recorder = ctx.recorder.totals();
    if (ctx.http_responses) in.http_responses = ctx.http_responses();
    HttpReply r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = render_daemon_metrics(in);
    return r;
  });

  router.add("GET", "/v1/events", [&ctx](const HttpRequest& req) {
    HttpReply r;
    r.content_type = "text/event-stream";
    r.headers.emplace_back("Cache-Control", "no-cache");
    // A client that reconnects with Last-Event-ID gets what the ring still holds after it (or
    // `lagged`); a new one sees every event from now on.
    const auto last_id = parse_event_id(req.header("last-event-id"));
    std::string bad_query;
    const auto recording = query_param(req.query, "recording", &bad_query);
    if (!bad_query.empty()) return error_reply(400, bad_query);
    if (!recording) {
      r.stream = std::make_shared<SseBody>(last_id ? ctx.bus.subscribe_after(*last_id) : ctx.bus.subscribe());
      return r;
    }
    // One recording's events, from its recording_started on (as far as the bus still holds
    // them), however late the client comes; the stream ends after its recording_stopped.
    const std::string id(*recording);
    const uint64_t started = ctx.recorder.started_event(id);
    if (started == 0) {
      return error_reply(404, "no recording '" + id + "': GET /v1/recordings lists the running and the " +
                                  std::to_string(Recorder::kRecentRecordings) + " most recent ones");
    }
    r.stream = std::make_shared<SseBody>(ctx.bus.subscribe_after(last_id ? *last_id : started - 1), id);
    return r;
  });

  install_recording_routes(router, ctx);
  install_openai_routes(router, ctx);
}

}  // namespace vs
