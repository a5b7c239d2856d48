#include "http/recording_routes.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <spdlog/spdlog.h>

#include "common/json_text.h"
#include "common/strings.h"
#include "http/api_v1.h"
#include "http/query_param.h"
#include "sources/file_allowlist.h"
#include "sources/file_source.h"
#include "sources/mic_source.h"
#include "sources/stream_source.h"

namespace vs {
namespace {

using nlohmann::json;

constexpr const char* kAudioType = "audio/L16;rate=16000;channels=1";

// Recording needs a worker that runs or is on its way; a stopped or failed one would only let
// the ring fill up and overflow.
std::optional<HttpReply> refuse_without_worker(const Recorder& recorder) {
  const std::string why = recorder.why_no_audio();
  if (why.empty()) return std::nullopt;
  return error_reply(503, why);
}

struct StartRequest {
  std::string source, path, device;
  bool realtime = false;
  DecodeRequest decode;  // "model"?, "language"?
};

bool is_language(const std::string& s) {
  return s == "auto" || (s.size() >= 2 && s.size() <= 3 && std::all_of(s.begin(), s.end(), [](char c) {
                           return c >= 'a' && c <= 'z';
                         }));
}

// Parses {"source":"file"|"mic"|"stream","path"?,"device"?,"realtime"?,"model"?,"language"?}.
std::variant<StartRequest, HttpReply> parse_start(const std::string& text) {
  const json body = parse_json(text.empty() ? std::string_view("{}") : std::string_view(text));
  const char* shape = R"(send {"source": "file", "path": "/abs/file.wav"}, {"source": "mic", "device": "name or index"} or {"source": "stream"})";
  if (body.is_discarded() || !body.is_object()) return error_reply(400, std::string("request body is not a JSON object: ") + shape);
  StartRequest r;
  auto text_field = [&](const char* key, std::string& out) -> bool {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  if (!text_field("source", r.source) || !text_field("path", r.path) || !text_field("device", r.device)) {
    return error_reply(400, std::string("\"source\", \"path\" and \"device\" must be strings: ") + shape);
  }
  if (!text_field("model", r.decode.model) || !text_field("language", r.decode.language)) {
    return error_reply(400, "\"model\" and \"language\" must be strings: a model GET /v1/models lists, and a "
                            "language code such as \"en\" or \"auto\"");
  }
  if (!r.decode.language.empty() && !is_language(r.decode.language)) {
    return error_reply(400, "\"language\" '" + r.decode.language + "' is not a language code: send a lower-case "
                            "code such as \"en\" or \"fr\", or \"auto\"");
  }
  if (const auto it = body.find("realtime"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return error_reply(400, "\"realtime\" must be true or false");
    r.realtime = it->get<bool>();
  }
  if (r.source != "file" && r.source != "mic" && r.source != "stream") {
    return error_reply(400, "unknown \"source\" '" + r.source + "': " + shape);
  }
  if (r.source == "file" && r.path.empty()) return error_reply(400, std::string("a file recording needs \"path\": ") + shape);
  return r;
}

// Opening a file or a device can wait (a slow disk, ALSA probing its cards), so it never runs on
// an I/O thread: the route checks the request there, then one thread of its own opens and starts
// the recording, one request at a time (the recorder starts one at a time anyway).
struct Opener {
  boost::asio::thread_pool thread{1};
  FileAllowlist files;
  explicit Opener(const std::vector<std::string>& dirs) : files(dirs) {}
};

// The file a request may record, or the one refusal for every path it may not (DESIGN.md §2:
// "not allowed" and "not found" answer alike). Only stat and realpath: nothing is opened here.
std::variant<std::string, HttpReply> allowed_file(const Opener& opener, const std::string& path) {
  if (auto real = opener.files.resolve(path)) return *real;
  return error_reply(opener.files.empty() ? 403 : 404, opener.files.refusal(path));
}

// On the opener's thread.
std::variant<std::unique_ptr<AudioSource>, HttpReply> open_source(const StartRequest& r, const std::string& file) {
  try {
    if (r.source == "file") return std::unique_ptr<AudioSource>(FileSource::open(file, r.realtime));
    if (r.source == "mic") return std::unique_ptr<AudioSource>(MicSource::open(r.device));
    return std::unique_ptr<AudioSource>(std::make_unique<StreamSource>());
  } catch (const SourceError& e) {
    return error_reply(400, e.what());
  }
}

// The recorder said no: every slot is in use, or the daemon is shutting down. Either way 503
// with Retry-After (DESIGN.md §2): a client retries later or elsewhere; never a 409 telling it
// to stop another client's recording.
HttpReply refused_start(const ApiContext& ctx, const std::string& why) {
  HttpReply r = error_reply(503, why);
  r.headers.emplace_back("Retry-After", ctx.recorder.draining() ? "5" : "1");
  return r;
}

// `created`: the status of a recording started (201 for POST /v1/recordings, 200 for the older
// POST /v1/recording/start).
HttpReply open_and_start(const ApiContext& ctx, const StartRequest& r, const std::string& file, int created) {
  auto opened = open_source(r, file);
  if (auto* bad = std::get_if<HttpReply>(&opened)) return *bad;
  std::string busy;
  try {
    const std::string input = r.source == "file" ? file : r.device;
    auto rec = ctx.recorder.start(std::move(std::get<std::unique_ptr<AudioSource>>(opened)), input, &busy, nullptr,
                                  r.decode);
    if (!rec) return refused_start(ctx, busy);
    HttpReply reply = json_reply(created, rec->snapshot());
    if (created == 201) reply.headers.emplace_back("Location", "/v1/recordings/" + rec->id());
    return reply;
  } catch (const SourceError& e) {
    return error_reply(400, e.what());
  }
}

void start_recording(const ApiContext& ctx, const std::shared_ptr<Opener>& opener, const HttpRequest& req,
                     int created, Respond done) {
  auto parsed = parse_start(req.body);
  if (auto* bad = std::get_if<HttpReply>(&parsed)) return done(*bad);
  StartRequest r = std::get<StartRequest>(std::move(parsed));
  if (auto no_worker = refuse_without_worker(ctx.recorder)) return done(*no_worker);
  if (const std::string why = ctx.recorder.why_not_served(r.decode); !why.empty()) return done(error_reply(400, why));
  std::string file;
  if (r.source == "file") {
    auto allowed = allowed_file(*opener, r.path);
    if (auto* bad = std::get_if<HttpReply>(&allowed)) return done(*bad);
    file = std::get<std::string>(std::move(allowed));
  }
  boost::asio::post(opener->thread, [&ctx, r = std::move(r), file = std::move(file), created, done = std::move(done)] {
    done(open_and_start(ctx, r, file, created));
  });
}

HttpReply unknown_recording(const std::string& id) {
  return error_reply(404, "no recording '" + id + "': GET /v1/recordings lists the running and the " +
                              std::to_string(Recorder::kRecentRecordings) + " most recent ones");
}

// ---- POST /v1/audio ----------------------------------------------------------------------

// Feeds one upload into a stream recording. When the upload started the recording itself, its
// end ends the recording too (flushed: the answer comes after the last final); when it feeds a
// recording started with {"source":"stream"}, that one goes on after the upload. The upload is
// the stream's one producer (claim_producer) while it lasts.
class AudioUpload : public UploadReceiver {
 public:
  AudioUpload(std::shared_ptr<Recording> rec, StreamSource& source, bool owns)
      : rec_(std::move(rec)), source_(source), owns_(owns) {}
  ~AudioUpload() override { source_.release_producer(); }

  UploadStep on_chunk(std::string_view bytes) override { return step(source_.feed(bytes)); }
  void when_ready(std::function<void()> wake) override { source_.when_room(std::move(wake)); }
  UploadStep resume() override { return step(source_.drain()); }

  // A client gone mid-body still gets what it sent transcribed: the upload ends the recording
  // it started either way, once the frames a waiting upload held back are in the ring.
  UploadStep end_of_body(bool) override {
    if (owns_ && source_.finish() == StreamSource::Fed::Full) return UploadStep::Pause;
    return UploadStep::Continue;  // ended (the recording's own state says how, in the answer)
  }

  // The stream is free for the next producer before the answer goes out, so a client that
  // sends its next upload the moment it has the answer is never told another one is feeding.
  void finish(bool complete, Respond done) override {
    if (!owns_) {
      source_.release_producer();
      return done(answer(rec_->snapshot(), complete));
    }
    // The answer waits for the last final, without a thread waiting for it.
    Recording* rec = rec_.get();  // the callback runs on that recording's pump thread
    rec_->on_finished([rec, complete, done = std::move(done)] { done(answer(rec->snapshot(), complete)); });
  }

 private:
  std::shared_ptr<Recording> rec_;
  StreamSource& source_;
  bool owns_;

  static HttpReply answer(const RecordingSnapshot& s, bool complete) {
    if (s.reason == "overflow" || (!complete && s.state == "stopped" && s.reason != "end_of_stream")) {
      json body = {{"error", "the recording stopped (" + s.reason + "): " +
                                 (s.error.empty() ? std::string("it takes no more audio") : s.error)},
                   {"recording", s}};
      return json_reply(409, body);
    }
    return json_reply(200, s);
  }

  static UploadStep step(StreamSource::Fed fed) {
    switch (fed) {
      case StreamSource::Fed::Accepted: return UploadStep::Continue;
      case StreamSource::Fed::Full: return UploadStep::Pause;
      case StreamSource::Fed::Ended: break;
    }
    return UploadStep::Stop;
  }
};

bool is_websocket_upgrade(const HttpRequest& req) {
  return iequals(req.header("upgrade"), "websocket");
}

// The stream recording an upload feeds: ?recording=ID names one started with
// {"source":"stream"}; without it, the most recent recording when it is such a stream and no
// other upload feeds it (what earlier clients do). Null: the upload starts its own recording.
std::variant<std::shared_ptr<Recording>, HttpReply> stream_to_feed(const ApiContext& ctx, const HttpRequest& req) {
  std::string bad_query;
  const auto named = query_param(req.query, "recording", &bad_query);
  if (!bad_query.empty()) return error_reply(400, bad_query);
  auto rec = named ? ctx.recorder.running(std::string(*named)) : ctx.recorder.current();
  auto* stream = rec ? dynamic_cast<StreamSource*>(&rec->source()) : nullptr;
  if (named && !stream) {
    return error_reply(404, "no running stream recording '" + std::string(*named) +
                                "': start one with POST /v1/recordings {\"source\":\"stream\"}");
  }
  if (stream && stream->claim_producer()) return rec;
  if (named) return error_reply(409, "another upload is feeding recording '" + std::string(*named) + "'; one producer at a time");
  return std::shared_ptr<Recording>();
}

UploadStart start_upload(const ApiContext& ctx, const HttpRequest& req) {
  if (auto bad = refuse_audio_type(req.header("content-type"))) return std::move(*bad);
  // ?realtime=false: a recorded file sent as fast as the network goes waits on a full ring
  // (the socket is left unread) instead of overflowing it. The default is a live stream.
  std::string bad_query;
  const auto realtime = query_param(req.query, "realtime", &bad_query);
  if (!bad_query.empty()) return error_reply(400, bad_query);
  if (realtime && *realtime != "true" && *realtime != "false") {
    return error_reply(400, "realtime must be true or false; got '" + std::string(*realtime) +
                                "' (false lets a recorded file be sent faster than real time)");
  }
  const bool waits = realtime == "false";
  auto target = stream_to_feed(ctx, req);
  if (auto* bad = std::get_if<HttpReply>(&target)) return std::move(*bad);
  if (auto rec = std::get<std::shared_ptr<Recording>>(target)) {
    auto& stream = dynamic_cast<StreamSource&>(rec->source());
    return std::make_unique<AudioUpload>(std::move(rec), stream, false);
  }
  if (auto no_worker = refuse_without_worker(ctx.recorder)) return std::move(*no_worker);
  auto source = std::make_unique<StreamSource>(waits);
  StreamSource& feed = *source;
  feed.claim_producer();
  std::string full;
  std::shared_ptr<Recording> rec;
  try {
    rec = ctx.recorder.start(std::move(source), "upload", &full);
  } catch (const std::exception& e) {
    return error_reply(503, std::string("the recording could not start: ") + e.what());
  }
  if (!rec) return refused_start(ctx, full);
  return std::make_unique<AudioUpload>(std::move(rec), feed, true);
}

}  // namespace

std::optional<HttpReply> refuse_audio_type(const std::string& content_type) {
  const auto refuse = [&](const std::string& why) {
    return error_reply(415, "Content-Type must be " + std::string(kAudioType) +
                                " (16-bit little-endian PCM, 16 kHz, mono)" + why);
  };
  if (media_type(content_type) != "audio/l16") {
    return refuse(content_type.empty() ? "; none was sent" : "; got '" + content_type + "'");
  }
  std::string rate, channels = "1";
  // The media type's parameters (";rate=16000;channels=1"), as Beast reads them (RFC 9110 §5.6.6).
  const size_t semicolon = content_type.find(';');
  const std::string_view params =
      semicolon == std::string::npos ? std::string_view() : std::string_view(content_type).substr(semicolon);
  for (const auto& [key, value] : boost::beast::http::param_list(params)) {
    if (boost::beast::iequals(key, "rate")) rate = std::string(value);
    if (boost::beast::iequals(key, "channels")) channels = std::string(value);
  }
  if (rate != "16000" || channels != "1") {
    return refuse("; got rate=" + (rate.empty() ? std::string("(none)") : rate) + " channels=" + channels +
                  " — resample first, or record a file with POST /v1/recording/start");
  }
  return std::nullopt;
}

void install_recording_routes(Router& router, const ApiContext& context) {
  const ApiContext* ctx = &context;
  const auto opener = std::make_shared<Opener>(context.file_dirs);
  // Recordings as resources: each has an id, and its events carry it (DESIGN.md §2).
  router.add_async("POST", "/v1/recordings", [ctx, opener](const HttpRequest& req, Respond done) {
    start_recording(*ctx, opener, req, 201, std::move(done));
  });
  router.add("GET", "/v1/recordings", [ctx](const HttpRequest&) {
    return json_reply(200, {{"recordings", ctx->recorder.list()}});
  });
  router.add("GET", "/v1/recordings/{id}", [ctx](const HttpRequest& req) {
    if (auto found = ctx->recorder.find(req.param("id"))) return json_reply(200, *found);
    return unknown_recording(req.param("id"));
  });
  router.add_async("POST", "/v1/recordings/{id}/stop", [ctx](const HttpRequest& req, Respond done) {
    const std::string id = req.param("id");
    ctx->recorder.stop_async(id, "requested", [id, done](std::optional<RecordingSnapshot> stopped) {
      done(stopped ? json_reply(200, *stopped) : unknown_recording(id));
    });
  });
  // The single-recording routes of earlier clients: start is POST /v1/recordings answering 200,
  // stop stops the most recent recording.
  router.add_async("POST", "/v1/recording/start", [ctx, opener](const HttpRequest& req, Respond done) {
    start_recording(*ctx, opener, req, 200, std::move(done));
  });
  router.add_async("POST", "/v1/recording/stop", [ctx](const HttpRequest&, Respond done) {
    // Like /v1/control/stop: 200 also when nothing runs (the answer is the last recording).
    ctx->recorder.stop_async("requested", [ctx, done](std::optional<RecordingSnapshot> stopped) {
      done(json_reply(200, stopped ? *stopped : ctx->recorder.snapshot()));
    });
  });
  router.add_upload("POST", "/v1/audio", [ctx](const HttpRequest& req) { return start_upload(*ctx, req); });
  // The browser's microphone: the same upload, its body as WebSocket messages (websocket_session.h).
  router.add_upload("GET", "/v1/audio/ws", [ctx](const HttpRequest& req) -> UploadStart {
    if (!is_websocket_upgrade(req)) {
      HttpReply r = error_reply(426, "GET /v1/audio/ws is a WebSocket (subprotocol voice-sidecar.audio.v1): "
                                     "open it with a WebSocket client, or POST the audio to /v1/audio");
      r.headers.emplace_back("Upgrade", "websocket");
      return r;
    }
    HttpRequest audio = req;
    audio.headers["content-type"] = kAudioType;
    return start_upload(*ctx, audio);
  });
}

}  // namespace vs
