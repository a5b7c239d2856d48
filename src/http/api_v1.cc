#include "http/api_v1.h"

#include "http/recording_routes.h"

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
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
  json body = json::parse(req.body, nullptr, false);
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

std::string sse_frame(const Event& e) {
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + dump_json(*e.body) + "\n\n";
}

// Streams every event from now on; a reader that falls behind gets a `lagged` event with the
// number it missed instead of slowing the pipeline (the bus never waits for it).
void stream_events(EventStream events, StreamWriter& out) {
  using namespace std::chrono_literals;
  if (!out.write(": voice-sidecar event stream\n\n")) return;
  while (!out.stopping()) {
    NextResult next = events.next_for(1s);
    if (auto* e = std::get_if<EventPtr>(&next)) {
      if (!out.write(sse_frame(**e))) return;
    } else if (auto* lag = std::get_if<Lagged>(&next)) {
      if (!out.write("event: lagged\ndata: " + json{{"missed", lag->missed}}.dump() + "\n\n")) return;
    } else if (std::holds_alternative<Closed>(next)) {
      return;
    } else if (!out.write(": keepalive\n\n")) {  // also finds clients that went away
      return;
    }
  }
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

  router.add("POST", "/v1/control/start", [&ctx](const HttpRequest& req) {
    std::string reason;
    if (auto bad = read_reason(req, "api_start", reason)) return *bad;
    return outcome_reply(ctx.supervisor.start(reason), "started", 503);
  }, Access::Token, Runs::Blocking);
  router.add("POST", "/v1/control/stop", [&ctx](const HttpRequest& req) {
    std::string reason;
    if (auto bad = read_reason(req, "api_stop", reason)) return *bad;
    const Outcome o = ctx.supervisor.stop(reason);
    // 504 is for a worker that could not be stopped in time; anything else is unavailable.
    return outcome_reply(o, "stopped", o.code == Outcome::Code::TimedOut ? 504 : 503);
  }, Access::Token, Runs::Blocking);
  router.add("POST", "/v1/control/restart", [&ctx](const HttpRequest& req) {
    std::string reason;
    if (auto bad = read_reason(req, "api_restart", reason)) return *bad;
    return outcome_reply(ctx.supervisor.restart(reason), "restarted", 503);
  }, Access::Token, Runs::Blocking);

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
    // Subscribe now, not when the stream starts, so no event between the two is missed. A client
    // that reconnects with Last-Event-ID gets what the ring still holds after it (or `lagged`).
    const auto last_id = parse_event_id(req.header("last-event-id"));
    auto events = std::make_shared<EventStream>(last_id ? ctx.bus.subscribe_after(*last_id) : ctx.bus.subscribe());
    r.stream = [events](StreamWriter& out) { stream_events(std::move(*events), out); };
    return r;
  }, Access::Token, Runs::Blocking);

  install_recording_routes(router, ctx);
}

}  // namespace vs
