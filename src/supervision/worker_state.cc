#include "supervision/worker_state.h"

#include <algorithm>

namespace vs {

const char* to_string(WorkerState s) {
  switch (s) {
    case WorkerState::Stopped: return "stopped";
    case WorkerState::Starting: return "starting";
    case WorkerState::Running: return "running";
    case WorkerState::Stopping: return "stopping";
    case WorkerState::Backoff: return "backoff";
    case WorkerState::Failed: return "failed";
  }
  return "unknown";
}

const char* to_string(CrashCause c) {
  switch (c) {
    case CrashCause::Exit: return "exit";
    case CrashCause::Signal: return "signal";
    case CrashCause::StartTimeout: return "start_timeout";
    case CrashCause::PingTimeout: return "ping_timeout";
    case CrashCause::SpawnFailed: return "spawn_failed";
  }
  return "unknown";
}

nlohmann::json to_json(const WorkerSnapshot& w) {
  return {
      {"state", to_string(w.state)},
      {"pid", w.pid ? nlohmann::json(*w.pid) : nlohmann::json(nullptr)},
      {"started_at", rfc3339_or_null(w.started_at)},
      {"ready_at", rfc3339_or_null(w.ready_at)},
      {"restart_count", w.restart_count},
      {"crash_count", w.crash_count},
      {"last_exit", w.last_exit},
      {"last_error", w.last_error},
      {"backoff_until", rfc3339_or_null(w.backoff_until)},
      {"engine", w.engine},
      {"model", w.model},
      {"health_failures", w.health_failures},
      {"last_health_check_at", rfc3339_or_null(w.last_health_check_at)},
  };
}

std::string why_no_audio(const WorkerSnapshot& w) {
  if (w.state != WorkerState::Stopped && w.state != WorkerState::Failed) return "";
  return std::string("the worker is ") + to_string(w.state) + ": start it first with POST /v1/control/start";
}

namespace {

const InstalledModel* find_model(const std::vector<InstalledModel>& models, const std::string& name) {
  for (const InstalledModel& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string languages_of(const InstalledModel& m) {
  if (m.languages.size() == 1) return m.languages[0];
  return std::to_string(m.languages.size()) + " languages";
}

std::string installed(const std::vector<InstalledModel>& models) {
  std::string out;
  for (const InstalledModel& m : models) out += (out.empty() ? "" : ", ") + m.name + " (" + languages_of(m) + ")";
  return "installed: " + out + " (GET /v1/models)";
}

}  // namespace

std::string why_not_served(const WorkerSnapshot& w, const DecodeRequest& request) {
  const std::string& lang = request.language;
  const bool other_language = !lang.empty() && lang != "auto" && lang != "en";
  if (w.models.empty()) {
    // A worker that did not list its models: an English-only one still says so by its name.
    if (request.model.empty() && w.model.ends_with(".en") && other_language) {
      return "model " + w.model + " transcribes English only, not language '" + lang + "'; send en or leave it out";
    }
    return "";
  }
  const std::string name = request.model.empty() ? w.model : request.model;
  const InstalledModel* model = find_model(w.models, name);
  if (!model) {
    // A directory is the operator's to name; the worker says whether it loads.
    if (!request.model.empty() && request.model.starts_with("/")) return "";
    if (request.model.empty()) return "";  // the loaded model is a directory: the worker decides
    return "model '" + request.model + "' is not installed; " + installed(w.models);
  }
  if (!lang.empty() && lang != "auto" &&
      std::find(model->languages.begin(), model->languages.end(), lang) == model->languages.end()) {
    if (model->languages == std::vector<std::string>{"en"}) {
      return "model " + model->name + " transcribes English only, not language '" + lang + "'; " + installed(w.models);
    }
    return "model " + model->name + " does not transcribe language '" + lang + "' (it transcribes " +
           languages_of(*model) + "); " + installed(w.models);
  }
  return "";
}

}  // namespace vs
