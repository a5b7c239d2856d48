// app.js: the dashboard's entry point. It wires the page together: polls GET /v1/control/status
// (every second, twice as often while recording), follows /v1/events (events.js) into the cards,
// the transcript and the log (view.js), runs the buttons (worker start/stop/restart, recordings
// from a file, the daemon's microphone or the browser's own through talk.js), and asks for the
// token when the daemon answers 401.

import { ApiError, Unauthorized, api, token } from "./api.js";
import { EventFeed } from "./events.js";
import { Talk } from "./talk.js";
import { LogView, StatusView, TranscriptView } from "./view.js";

const $ = (id) => document.getElementById(id);

const status = new StatusView();
const transcript = new TranscriptView();
const log = new LogView();
let authorized = false;
let recording = false;

// ---- notices (the daemon's refusals, errors) -------------------------------------------------

function notify(text) {
  $("notice-text").textContent = text;
  $("notice").hidden = false;
}

$("notice-close").addEventListener("click", () => {
  $("notice").hidden = true;
});

// ---- status ----------------------------------------------------------------------------------

let pollTimer = null;

async function refresh() {
  clearTimeout(pollTimer);
  try {
    const s = await api("/v1/control/status");
    status.render(s);
    recording = s.recording.state === "recording";
    if (!authorized) unlocked();
  } catch (err) {
    if (err instanceof Unauthorized) return askToken();
    // The daemon is unreachable: the event stream's badge says so; keep polling.
  }
  pollTimer = setTimeout(refresh, recording || talk.active ? 500 : 1000);
}

let soon = null;
function refreshSoon() {
  clearTimeout(soon);
  soon = setTimeout(refresh, 50);
}

setInterval(() => status.tick(), 1000);

// ---- the event stream ------------------------------------------------------------------------

function onEvent(type, data, id) {
  log.add(type, data, id);
  switch (type) {
    case "worker_state":
      status.workerState(data.state, data.pid);
      refreshSoon();
      break;
    case "partial_text":
      transcript.partialText(data);
      break;
    case "final_text":
      transcript.finalText(data);
      break;
    case "recording_started":
      transcript.recordingStarted(data);
      recording = true;
      $("btn-rec-stop").disabled = false;
      refreshSoon();
      break;
    case "recording_stopped":
      status.renderRecording(data);
      transcript.recordingStopped(data);
      refreshSoon();
      break;
    case "buffer_warn":
    case "buffer_critical":
      status.ring(data.occupancy, type === "buffer_warn" ? "warn" : "critical");
      break;
    case "stt_error":
      notify(`${data.error}. ${data.action}.`);
      break;
    case "audio_lost":
      notify(`${data.frames} frames of audio were lost: ${data.reason}.`);
      break;
    default:
      break;
  }
}

function onFeedState(state, detail) {
  const conn = $("conn");
  conn.dataset.state = state;
  if (state === "live") {
    conn.textContent = "connected";
    refreshSoon(); // after a reconnect, what changed meanwhile
  } else if (state === "connecting") {
    conn.textContent = "connecting…";
  } else if (state === "disconnected") {
    conn.textContent = `disconnected · retrying in ${(detail / 1000).toFixed(1)} s`;
    log.note("event stream lost; reconnecting", "warn");
  } else if (state === "unauthorized") {
    conn.textContent = "locked";
    askToken();
  }
}

const feed = new EventFeed({ onEvent, onState: onFeedState });

// ---- the token -------------------------------------------------------------------------------

function askToken() {
  const wasAuthorized = authorized;
  authorized = false;
  feed.stop();
  clearTimeout(pollTimer);
  $("conn").dataset.state = "locked";
  $("conn").textContent = "locked";
  $("dashboard").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = wasAuthorized || token.get() ? "The daemon refused the token." : "";
  token.clear();
  $("token-input").focus();
}

function unlocked() {
  authorized = true;
  $("login").hidden = true;
  $("dashboard").hidden = false;
  feed.start();
}

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const value = $("token-input").value.trim();
  if (!value) return;
  token.set(value);
  $("token-input").value = "";
  $("login-error").textContent = "";
  await refresh();
});

// ---- buttons ---------------------------------------------------------------------------------

// Runs one API call for a button: the button is busy meanwhile, a refusal becomes a notice.
async function act(button, call) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    const answer = await call();
    $("notice").hidden = true;
    return answer;
  } catch (err) {
    if (err instanceof Unauthorized) askToken();
    else notify(err instanceof ApiError ? err.message : `The daemon could not be reached (${err.message}).`);
    return null;
  } finally {
    button.removeAttribute("aria-busy");
    button.disabled = false;
    refreshSoon();
  }
}

const post = (path, body) => () => api(path, { method: "POST", body });

$("btn-start").addEventListener("click", (e) => act(e.currentTarget, post("/v1/control/start", { reason: "dashboard" })));
$("btn-stop").addEventListener("click", (e) => act(e.currentTarget, post("/v1/control/stop", { reason: "dashboard" })));
$("btn-restart").addEventListener("click", (e) => act(e.currentTarget, post("/v1/control/restart", { reason: "dashboard" })));
$("btn-rec-stop").addEventListener("click", (e) => act(e.currentTarget, post("/v1/recording/stop", {})));

$("file-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const path = $("file-path").value.trim();
  if (!path) return;
  act($("btn-file"), post("/v1/recording/start", { source: "file", path, realtime: $("file-realtime").checked }));
});

$("mic-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const device = $("mic-device").value.trim();
  act($("btn-mic"), post("/v1/recording/start", device ? { source: "mic", device } : { source: "mic" }));
});

$("btn-clear").addEventListener("click", () => transcript.clear());
$("log-noise").addEventListener("change", (e) => {
  log.showNoise = e.currentTarget.checked;
});

// ---- Talk: the browser's microphone ----------------------------------------------------------

function onTalkState(state, detail = {}) {
  const button = $("btn-talk");
  const line = $("talk-status");
  const fill = $("talk-level-fill");
  button.dataset.state = state;
  button.disabled = state === "starting" || state === "finishing";
  button.setAttribute("aria-pressed", String(state === "live"));
  if (state === "starting") {
    button.textContent = "Starting…";
    line.textContent = "opening the microphone…";
    line.dataset.seconds = "0";
  } else if (state === "live") {
    button.textContent = "Stop talking";
    line.textContent = `live · ${detail.seconds.toFixed(1)} s sent`;
    line.dataset.seconds = detail.seconds.toFixed(2);
    fill.style.width = `${Math.min(100, Math.sqrt(detail.peak) * 100).toFixed(0)}%`;
  } else if (state === "finishing") {
    button.textContent = "Finishing…";
    line.textContent = "waiting for the last words…";
    fill.style.width = "0%";
  } else {
    button.textContent = "Talk";
    fill.style.width = "0%";
    const s = detail.snapshot;
    const heard = s ? `${(s.frames_captured / 100).toFixed(1)} s recorded, ${s.frames_lost} frames lost` : "";
    if (detail.error) {
      notify(`Talk: ${detail.error}`);
      line.textContent = heard ? `stopped: ${heard}` : "stopped";
    } else if (detail.ended) {
      line.textContent = `ended by the daemon (${detail.ended}): ${heard}`;
    } else {
      line.textContent = heard ? `done: ${heard}` : "—";
    }
    line.dataset.done = "true";
  }
  refreshSoon();
}

const talk = new Talk({ onState: onTalkState });

$("btn-talk").addEventListener("click", () => {
  if (talk.active) talk.stop();
  else talk.start();
});

// ---- start -----------------------------------------------------------------------------------

api("/v1/health")
  .then((h) => {
    $("version").textContent = `v${h.version}`;
  })
  .catch(() => {});
refresh();
