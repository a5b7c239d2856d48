#include "http/openai_request.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include "common/strings.h"
#include "http/multipart.h"

namespace vs {
namespace {

OpenAiError bad(std::string message, std::string param = "", std::string code = "") {
  OpenAiError e;
  e.message = std::move(message);
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + ("'" + s + "'");
  return out;
}

std::optional<ResponseFormat> format_named(std::string_view name) {
  if (name == "json") return ResponseFormat::Json;
  if (name == "text") return ResponseFormat::Text;
  if (name == "srt") return ResponseFormat::Srt;
  if (name == "vtt") return ResponseFormat::Vtt;
  if (name == "verbose_json") return ResponseFormat::VerboseJson;
  return std::nullopt;
}

std::optional<double> number(std::string_view text) {
  double v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Applies one text field to the request; an error when its value is not acceptable.
std::optional<OpenAiError> apply_field(const std::string& name, std::string_view value, TranscriptionRequest& r) {
  if (name == "model") {
    r.model = std::string(value);
  } else if (name == "language") {
    r.language = to_lower(value);
  } else if (name == "prompt") {
    r.prompt = std::string(value);
  } else if (name == "temperature") {
    const auto t = number(value);
    if (!t || *t < 0 || *t > 1) return bad("temperature must be a number from 0 to 1; got '" + std::string(value) + "'", name);
    r.temperature = *t;
    r.temperature_given = true;
  } else if (name == "response_format") {
    const auto f = format_named(value);
    if (!f) {
      return bad("response_format must be one of 'json', 'text', 'srt', 'vtt', 'verbose_json'; got '" +
                     std::string(value) + "'",
                 name);
    }
    r.format = *f;
  } else if (name == "stream") {
    const std::string v = to_lower(value);
    if (v != "true" && v != "false") return bad("stream must be true or false; got '" + std::string(value) + "'", name);
    r.stream = v == "true";
  } else if (name == "timestamp_granularities[]" || name == "timestamp_granularities") {
    if (value != "word" && value != "segment") {
      return bad("timestamp_granularities[] accepts 'word' and 'segment' (repeat the field for both); got '" +
                     std::string(value) + "'",
                 "timestamp_granularities");
    }
    // The first one given replaces the default (segments); each adds its own.
    if (!r.granularities_given) r.segment_timestamps = false;
    r.granularities_given = true;
    (value == "word" ? r.word_timestamps : r.segment_timestamps) = true;
  } else if (name == "include[]" || name == "include") {
    return bad("include['" + std::string(value) + "'] is not available: the worker does not report token logprobs",
               "include");
  } else if (name == "chunking_strategy") {
    // Accepted and not needed: the worker's own VAD cuts the audio into utterances.
  } else {
    return bad("unknown parameter '" + name + "'; accepted: file, model, language, prompt, temperature, "
               "response_format, stream, timestamp_granularities[]",
               name, "unknown_parameter");
  }
  return std::nullopt;
}

}  // namespace

HttpReply openai_error_reply(const OpenAiError& e) {
  const auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  HttpReply r = json_reply(e.status, {{"error",
                                       {{"message", e.message},
                                        {"type", e.type},
                                        {"param", or_null(e.param)},
                                        {"code", or_null(e.code)}}}});
  if (e.retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_s));
  return r;
}

std::variant<TranscriptionRequest, OpenAiError> parse_transcription_request(
    const std::string& content_type, std::string_view body, const std::vector<std::string>& models) {
  std::string boundary;
  if (auto why = multipart_boundary(content_type, boundary)) {
    return bad(*why + " (send the audio as the form field 'file')");
  }
  const MultipartForm form = parse_multipart(body, boundary);
  if (!form.error.empty()) return bad(form.error);

  TranscriptionRequest r;
  bool has_file = false, has_model = false;
  std::set<std::string> seen;
  for (const FormPart& part : form.parts) {
    // Repeated fields are refused (an array field may repeat: its values are checked each).
    const bool array = part.name.ends_with("[]") || part.name == "timestamp_granularities";
    if (!array && !seen.insert(part.name).second) {
      return bad("the field '" + part.name + "' is given more than once", part.name);
    }
    if (part.name == "file") {
      if (!part.has_filename) return bad("'file' must be a file upload (a part with a filename)", "file");
      r.filename = part.filename;
      r.audio = part.data;
      has_file = true;
      continue;
    }
    has_model = has_model || part.name == "model";
    if (auto error = apply_field(part.name, part.data, r)) return *error;
  }
  if (!has_file) return bad("the audio file is missing: send it as the multipart field 'file'", "file");
  if (r.audio.empty()) return bad("the uploaded file '" + r.filename + "' is empty", "file");
  if (!has_model) return bad("the field 'model' is missing; use one of " + joined(models), "model");
  if (std::find(models.begin(), models.end(), r.model) == models.end()) {
    return bad("the model '" + r.model + "' does not exist here; use one of " + joined(models), "model",
               "model_not_found");
  }
  if (r.stream && r.format != ResponseFormat::Json && r.format != ResponseFormat::Text) {
    return bad("stream=true works with response_format 'json' or 'text' only", "response_format");
  }
  return r;
}

}  // namespace vs
