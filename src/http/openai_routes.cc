#include "http/openai_routes.h"

#include <algorithm>
#include <charconv>

#include <boost/beast/core/string.hpp>
#include <spdlog/spdlog.h>

#include "audio/admission_wait.h"
#include "http/api_v1.h"
#include "http/body_budget.h"
#include "http/openai_reply.h"
#include "http/openai_request.h"
#include "http/openai_stream.h"
#include "http/transcript_collector.h"
#include "sources/file_source.h"

namespace vs {
namespace {

using nlohmann::json;

constexpr const char* kDefaultModel = "tiny.en";  // the bundled worker's, before it said so itself
constexpr const char* kOpenAiAlias = "whisper-1";  // what the SDKs' examples send
constexpr int kBusyRetryAfterS = 2;
constexpr int kNoWorkerRetryAfterS = 5;
constexpr int kBudgetRetryAfterS = 1;

std::string served_model(const ApiContext& ctx) {
  const std::string m = ctx.supervisor.snapshot().model;
  return m.empty() ? kDefaultModel : m;
}

// The model names a request may give: the installed ones (the worker's ready line), else the
// loaded one; and OpenAI's own name, which means the loaded model.
std::vector<std::string> model_names(const ApiContext& ctx) {
  std::vector<std::string> names;
  for (const InstalledModel& m : ctx.supervisor.snapshot().models) names.push_back(m.name);
  const std::string served = served_model(ctx);
  if (std::find(names.begin(), names.end(), served) == names.end()) names.insert(names.begin(), served);
  names.push_back(kOpenAiAlias);
  return names;
}

// What the worker is asked for this upload: only what differs from its own settings.
DecodeRequest decode_request_of(const TranscriptionRequest& r, const std::string& served) {
  DecodeRequest d;
  if (r.model != kOpenAiAlias && r.model != served) d.model = r.model;
  d.language = r.language;
  d.prompt = r.prompt;
  if (r.temperature_given) d.temperature = r.temperature;
  if (r.word_timestamps) d.word_timestamps = true;
  return d;
}

OpenAiError error(int status, std::string message, std::string type, int retry_after = 0) {
  OpenAiError e;
  e.status = status;
  e.message = std::move(message);
  e.type = std::move(type);
  e.retry_after_s = retry_after;
  return e;
}

// Transcribing needs a worker that runs or is on its way (as for every recording).
std::optional<OpenAiError> refuse_without_worker(const ApiContext& ctx) {
  const std::string why = ctx.recorder.why_no_audio();
  if (why.empty()) return std::nullopt;
  return error(503, why + ", then retry", "server_error", kNoWorkerRetryAfterS);
}

// A finished recording that did not play the whole upload into the worker is a failure, not a
// short transcript.
std::optional<OpenAiError> judge(const TranscriptCollector::Result& r) {
  const RecordingSnapshot& s = r.recording;
  if (s.reason == "requested") {
    return error(409, "the transcription was cut short: another client stopped the recording (POST /v1/recording/stop)",
                 "invalid_request_error");
  }
  if (s.reason == "shutdown") return error(503, "the daemon is shutting down; retry later", "server_error", kNoWorkerRetryAfterS);
  if (s.reason != "end_of_file") {
    return error(500, "the recording stopped (" + s.reason + ")" + (s.error.empty() ? "" : ": " + s.error), "server_error");
  }
  if (s.frames_lost > 0 || r.missed_events > 0) {
    return error(500, "part of the transcript was lost (" + std::to_string(s.frames_lost) + " audio frames, " +
                          std::to_string(r.missed_events) + " events); retry",
                 "server_error");
  }
  return std::nullopt;
}

// Nobody waits for the transcript any more: the recording slot is given back at once.
void client_gone(const std::weak_ptr<Recording>& recording) {
  if (auto rec = recording.lock()) rec->request_stop("client_gone");
}

OpenAiError budget_spent(const BodyBudget& budget) {
  return error(503, "too many uploads are being buffered at once (" + std::to_string(budget.limit() >> 20) +
                        " MB in all, openai.upload_budget_mb); retry in a moment",
               "server_error", kBudgetRetryAfterS);
}

// One transcription once its upload is in: it waits for a slot in the recorder's admission
// queue (openai.queue_timeout_ms; beyond it an OpenAI-shaped 503), then records the audio and
// answers with its transcript. Shared with the queue's callbacks, which may run on any thread.
class Transcription : public std::enable_shared_from_this<Transcription> {
 public:
  Transcription(const ApiContext& ctx, std::unique_ptr<AudioSource> source, TranscriptionRequest req, Respond done)
      : ctx_(ctx), source_(std::move(source)), req_(std::move(req)), done_(std::move(done)) {
    req_.audio = {};  // the source holds its own copy; the view would dangle
  }

  void wait_for_slot(std::chrono::milliseconds timeout) {
    auto wait = AdmissionWait::begin(
        ctx_.recorder.admission(), std::chrono::steady_clock::now() + timeout,
        [self = shared_from_this()](std::unique_ptr<AdmissionQueue::Ticket> ticket) { self->run(std::move(ticket)); },
        [self = shared_from_this(), timeout] { self->timed_out(timeout); });
    std::lock_guard lock(mu_);
    wait_ = std::move(wait);
    if (gone_) wait_->cancel();
  }

  // The client left: leave the queue, or end the recording at once.
  void abandon() {
    std::shared_ptr<AdmissionWait> wait;
    std::weak_ptr<Recording> rec;
    {
      std::lock_guard lock(mu_);
      gone_ = true;
      wait = wait_;
      rec = rec_;
    }
    if (wait) wait->cancel();
    client_gone(rec);
  }

 private:
  void timed_out(std::chrono::milliseconds waited) {
    const size_t slots = ctx_.recorder.admission().capacity();
    done_(openai_error_reply(error(503,
                                   "every recording slot (" + std::to_string(slots) + ", audio.max_recordings) stayed in use for " +
                                       std::to_string(waited.count()) + " ms (openai.queue_timeout_ms); retry in a moment",
                                   "server_error", kBusyRetryAfterS)));
  }

  void run(std::unique_ptr<AdmissionQueue::Ticket> ticket) {
    std::string busy;
    std::shared_ptr<Recording> rec;
    try {
      rec = ctx_.recorder.start(std::move(source_), "openai:" + req_.filename, &busy, std::move(ticket),
                                decode_request_of(req_, served_model(ctx_)));
    } catch (const std::exception& e) {
      return done_(openai_error_reply(error(500, std::string("the recording could not start: ") + e.what(), "server_error")));
    }
    if (!rec) return done_(openai_error_reply(error(503, busy, "server_error", kBusyRetryAfterS)));
    {
      std::lock_guard lock(mu_);
      rec_ = rec;
      if (gone_) rec->request_stop("client_gone");  // left while it started
    }
    // From the recording's start on, and only its own events: nothing published before this
    // line is missed, and nothing of another recording mixes in.
    auto collector = TranscriptCollector::create(rec->transcript());
    collector->watch();
    Recording* raw = rec.get();  // the callback runs on that recording's pump thread; the recorder keeps it
    rec->on_finished([collector, raw] { collector->finish(raw->snapshot()); });
    if (req_.stream) {
      HttpReply r;
      r.content_type = "text/event-stream";
      r.headers.emplace_back("Cache-Control", "no-cache");
      r.stream = std::make_shared<OpenAiTranscriptStream>(collector, judge, [weak = std::weak_ptr<Recording>(rec)] {
        client_gone(weak);
      });
      return done_(std::move(r));
    }
    collector->on_done([done = std::move(done_), req = req_](const TranscriptCollector::Result& r) {
      if (auto failed = judge(r)) return done(openai_error_reply(*failed));
      const double seconds = static_cast<double>(r.recording.frames_captured) * kFrameMs / 1000.0;
      done(transcription_reply(req, r.finals, seconds));
    });
  }

  const ApiContext& ctx_;
  std::unique_ptr<AudioSource> source_;
  TranscriptionRequest req_;
  Respond done_;
  std::mutex mu_;
  std::shared_ptr<AdmissionWait> wait_;
  std::weak_ptr<Recording> rec_;
  bool gone_ = false;
};

// Buffers the upload (up to the limit, within the budget all buffered uploads share; beyond
// either the rest is read and dropped, so the client gets its 413 or 503 instead of a reset
// connection), then starts the recording when the body is in.
class TranscriptionUpload : public UploadReceiver {
 public:
  // `length`: what Content-Length announced (nullopt for a chunked body); `lease` covers what
  // of it is within the limit, or is nullopt when the budget had not that much left.
  TranscriptionUpload(const ApiContext& ctx, std::string content_type, size_t limit, std::optional<size_t> length,
                      std::shared_ptr<BodyBudget> budget, std::optional<BodyBudget::Lease> lease)
      : ctx_(ctx), content_type_(std::move(content_type)), limit_(limit), budget_(std::move(budget)),
        lease_(std::move(lease)) {
    if (length && *length > limit_) {
      refused_ = too_large();
    } else if (!lease_) {
      refused_ = budget_spent(*budget_);
    }
  }

  UploadStep on_chunk(std::string_view bytes) override {
    received_ += bytes.size();
    if (received_ > limit_ && !refused_) refused_ = too_large();
    if (!refused_ && received_ > lease_->bytes() && !lease_->grow(received_ - lease_->bytes())) {
      refused_ = budget_spent(*budget_);
    }
    if (refused_) {
      body_.clear();
      body_.shrink_to_fit();
      // Past twice the limit the client is not a confused SDK but a flood: stop reading.
      return received_ > 2 * limit_ ? UploadStep::Stop : UploadStep::Continue;
    }
    body_.append(bytes);
    return UploadStep::Continue;
  }

  void abandon() override {
    if (job_) job_->abandon();
  }

  void finish(bool complete, Respond done) override {
    if (refused_) return done(openai_error_reply(*refused_));
    if (!complete) return done(openai_error_reply(error(400, "the upload ended before its body was complete", "invalid_request_error")));
    const std::string model = served_model(ctx_);
    auto parsed = parse_transcription_request(content_type_, body_, model_names(ctx_));
    if (auto* bad = std::get_if<OpenAiError>(&parsed)) return done(openai_error_reply(*bad));
    const TranscriptionRequest& req = std::get<TranscriptionRequest>(parsed);
    if (const std::string why = ctx_.recorder.why_not_served(decode_request_of(req, model)); !why.empty()) {
      OpenAiError bad = error(400, why, "invalid_request_error");
      const bool about_model = why.starts_with("model '");
      bad.param = about_model ? "model" : "language";
      if (about_model) bad.code = "model_not_found";
      return done(openai_error_reply(bad));
    }
    start(req, std::move(done));
  }

 private:
  OpenAiError too_large() const {
    OpenAiError e = error(413, "the upload is larger than the limit of " + std::to_string(limit_ >> 20) +
                                   " MB (openai.max_upload_mb); send a shorter or more compressed file",
                          "invalid_request_error");
    e.param = "file";
    e.code = "file_too_large";
    return e;
  }

  void start(const TranscriptionRequest& req, Respond done) {
    if (auto no_worker = refuse_without_worker(ctx_)) return done(openai_error_reply(*no_worker));
    std::unique_ptr<AudioSource> source;
    try {
      const std::string name = req.filename.empty() || req.filename == "-" ? "upload" : req.filename;
      source = FileSource::open_memory(std::string(req.audio), name, /*realtime=*/false);
    } catch (const SourceError& e) {
      OpenAiError bad = error(400, std::string(e.what()) + " (any format libsndfile reads: WAV, FLAC, Ogg, MP3, ...)",
                              "invalid_request_error");
      bad.param = "file";
      return done(openai_error_reply(bad));
    }
    body_.clear();
    body_.shrink_to_fit();
    job_ = std::make_shared<Transcription>(ctx_, std::move(source), req, std::move(done));
    job_->wait_for_slot(std::chrono::milliseconds(ctx_.openai.queue_timeout_ms));
  }

  const ApiContext& ctx_;
  const std::string content_type_;
  const size_t limit_;
  const std::shared_ptr<BodyBudget> budget_;
  std::optional<BodyBudget::Lease> lease_;  // before body_: given back (and trimmed) after it is freed
  std::optional<OpenAiError> refused_;      // the answer once the body is read: 413 or 503
  std::shared_ptr<Transcription> job_;      // once the body is in
  size_t received_ = 0;
  std::string body_;
};

// What Content-Length announces; nullopt for a chunked body (Beast has checked the header).
std::optional<size_t> announced(const HttpRequest& req) {
  const std::string length = req.header("content-length");
  size_t n = 0;
  const auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
  if (length.empty() || ec != std::errc() || end != length.data() + length.size()) return std::nullopt;
  return n;
}

}  // namespace

void install_openai_routes(Router& router, const ApiContext& context) {
  const ApiContext* ctx = &context;
  router.add("GET", "/v1/models", [ctx](const HttpRequest&) {
    json data = json::array();
    for (const std::string& id : model_names(*ctx)) {
      data.push_back({{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", "voice-sidecar"}});
    }
    return json_reply(200, {{"object", "list"}, {"data", data}});
  });
  auto budget = BodyBudget::create(static_cast<size_t>(ctx->openai.upload_budget_mb) << 20);
  router.add_upload("POST", "/v1/audio/transcriptions", [ctx, budget](const HttpRequest& req) -> UploadStart {
    const size_t limit = static_cast<size_t>(ctx->openai.max_upload_mb) << 20;
    const std::optional<size_t> length = announced(req);
    // All of an announced body at once (none of one over the limit: it is never buffered);
    // a chunked one as it comes.
    auto lease = budget->reserve(length && *length <= limit ? *length : 0);
    // A client that waits for 100 Continue is told at once, before it sends the body.
    if (!lease && boost::beast::iequals(req.header("expect"), "100-continue")) {
      return openai_error_reply(budget_spent(*budget));
    }
    return std::make_unique<TranscriptionUpload>(*ctx, req.header("content-type"), limit, length, budget,
                                                 std::move(lease));
  });
}

}  // namespace vs
