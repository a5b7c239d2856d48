// view.js: puts what the daemon says onto the page: the worker, gate and recording cards from
// GET /v1/control/status, the transcript (the partial updated in place, finals appended with
// their times) and the event log. Only textContent and classes/data attributes are set, never
// HTML, so no text from the daemon or the worker is ever parsed as markup.

const $ = (id) => document.getElementById(id);

// ---- formatting ------------------------------------------------------------------------------

const num = new Intl.NumberFormat("en-US");

export function fmtNumber(n) {
  return n === null || n === undefined ? "—" : num.format(n);
}

function fmtPercent(x, digits = 0) {
  return x === null || x === undefined ? "—" : `${x.toFixed(digits)} %`;
}

// A span of wall time: "45 s", "3 min 04 s", "2 h 05 min".
export function fmtDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

// A point on the recording's timeline: "0:03.2".
export function fmtAudioTime(ms) {
  const tenths = Math.max(0, Math.round(ms / 100));
  const s = Math.floor(tenths / 10);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}.${tenths % 10}`;
}

function fmtClock(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour12: false });
}

function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

function setPill(id, text, tone) {
  setText(id, text);
  $(id).dataset.tone = tone;
}

// ---- the status cards ------------------------------------------------------------------------

const WORKER_TONE = { running: "ok", starting: "busy", stopping: "busy", backoff: "warn", failed: "bad", stopped: "off" };

export class StatusView {
  constructor() {
    this.worker = null;
  }

  render(status) {
    this.renderWorker(status.worker);
    this.renderGate(status.gate, status.pressure);
    this.renderRecording(status.recording);
  }

  // Between two status polls, a worker_state event says the state at once.
  workerState(state, pid) {
    if (this.worker) this.worker = { ...this.worker, state, pid };
    setPill("worker-state", state, WORKER_TONE[state] || "off");
    setText("w-pid", pid ? String(pid) : "—");
    this.buttons(state);
  }

  renderWorker(w) {
    this.worker = w;
    setPill("worker-state", w.state, WORKER_TONE[w.state] || "off");
    setText("w-pid", w.pid ? String(w.pid) : "—");
    setText("w-restarts", fmtNumber(w.restart_count));
    setText("w-crashes", fmtNumber(w.crash_count));
    setText("w-model", w.model ? `${w.model}${w.engine ? " · " + w.engine : ""}` : "—");
    const error = w.last_error || (w.backoff_until ? `restarting at ${fmtClock(w.backoff_until)}` : "");
    setText("w-error", error || "—");
    $("w-error").classList.toggle("error", Boolean(w.last_error));
    this.tick();
    this.buttons(w.state);
  }

  // The uptime moves every second without asking the daemon.
  tick() {
    const w = this.worker;
    const up = w && (w.state === "running" || w.state === "starting" || w.state === "stopping");
    const since = up ? w.started_at : null;
    setText("w-uptime", since ? fmtDuration(Date.now() - new Date(since).getTime()) : "—");
  }

  buttons(state) {
    $("btn-start").disabled = state === "running" || state === "starting";
    $("btn-stop").disabled = state === "stopped" || state === "stopping";
  }

  renderGate(g, p) {
    setPill("gate-state", g.heavy_load_allowed ? "open" : "closed", g.heavy_load_allowed ? "ok" : "bad");
    const reason = g.reason || (g.heavy_load_allowed ? "heavy work is admitted: every figure is within its limit" : "closed");
    setText("gate-reason", reason);
    setText("p-cpu", fmtPercent(p.cpu_percent, 1));
    setText("p-cpu-total", fmtPercent(p.cpu_percent_total, 1));
    setText("p-mem", fmtPercent(p.memory_percent, 1));
    setText("p-avail", p.memory_total_mb ? `${fmtNumber(p.memory_available_mb)} of ${fmtNumber(p.memory_total_mb)} MB` : "—");
    setText("p-psi", p.psi_some_avg10 === null || p.psi_some_avg10 === undefined ? "—" : p.psi_some_avg10.toFixed(2));
    setText("p-time", p.timestamp ? fmtClock(p.timestamp) + (p.valid ? "" : " (invalid)") : "never");
  }

  renderRecording(r) {
    const tone = r.state === "recording" ? "live" : "off";
    setPill("rec-state", r.state, tone);
    let input = "no recording yet";
    if (r.source) {
      input = r.source + (r.input ? `: ${r.input}` : "");
      if (r.state === "stopped" && r.reason) input += ` — stopped (${r.reason})`;
      if (r.error) input += `: ${r.error}`;
    }
    setText("rec-input", input);
    $("rec-input").classList.toggle("error", Boolean(r.error));
    this.ring(r.occupancy, r.level);
    setText("f-captured", fmtNumber(r.frames_captured));
    setText("f-sent", fmtNumber(r.frames_sent));
    setText("f-acked", fmtNumber(r.frames_acked));
    setText("f-lost", fmtNumber(r.frames_lost));
    setText("f-replayed", fmtNumber(r.frames_replayed));
    setText("f-rejected", fmtNumber(r.frames_rejected));
    $("f-lost").classList.toggle("error", r.frames_lost > 0);
    $("btn-rec-stop").disabled = r.state !== "recording";
  }

  // occupancy 0..1; level normal | warn | critical | overflow.
  ring(occupancy, level) {
    const pct = Math.max(0, Math.min(100, (occupancy || 0) * 100));
    $("ring-fill").style.width = `${pct}%`;
    $("ring").setAttribute("aria-valuenow", pct.toFixed(0));
    $("ring").dataset.level = level || "normal";
    setText("ring-value", `${pct.toFixed(pct < 10 && pct > 0 ? 1 : 0)} %`);
    setText("ring-level", level || "normal");
  }
}

// ---- the transcript --------------------------------------------------------------------------

// Several recordings may run at once: each has its heading (its divider), its finals carry its
// id, and the partial line shows one preview per running recording (tagged when there are more).
export class TranscriptView {
  constructor() {
    this.box = $("transcript");
    this.finals = $("finals");
    this.partial = $("partial");
    this.partials = new Map(); // recording id -> {utterance, text}
    this.dividers = new Map(); // recording id -> its heading, while it runs
  }

  // Keeps the newest text in view, unless the reader scrolled up to read.
  follow(apply) {
    const atBottom = this.box.scrollHeight - this.box.scrollTop - this.box.clientHeight < 40;
    apply();
    if (atBottom) this.box.scrollTop = this.box.scrollHeight;
  }

  recordingStarted(e) {
    this.follow(() => {
      const li = document.createElement("li");
      li.className = "divider";
      li.dataset.recording = e.recording || "";
      li.textContent = `${e.source}${e.input ? " · " + e.input : ""} · ${tag(e.recording)} · ` +
        new Date().toLocaleTimeString([], { hour12: false });
      this.finals.append(li);
      this.dividers.set(e.recording || "", li);
      this.partials.delete(e.recording || "");
      this.renderPartials();
    });
  }

  // The recording's heading says how it ended (its finals are all in by then).
  recordingStopped(e) {
    const id = e.recording || "";
    const divider = this.dividers.get(id);
    this.dividers.delete(id);
    this.partials.delete(id);
    this.renderPartials();
    if (!divider || divider.dataset.stopped) return;
    divider.dataset.stopped = e.reason || "stopped";
    divider.textContent += ` · ended (${e.reason || "stopped"})`;
  }

  partialText(e) {
    this.follow(() => {
      this.partials.set(e.recording || "", { utterance: e.utterance, text: e.text });
      this.renderPartials();
    });
  }

  finalText(e) {
    this.follow(() => {
      const li = document.createElement("li");
      li.className = "final";
      li.dataset.recording = e.recording || "";
      const time = document.createElement("span");
      time.className = "when";
      time.textContent = `${fmtAudioTime(e.start_ms)}–${fmtAudioTime(e.end_ms)}`;
      li.append(time);
      if (this.dividers.size > 1) {
        const who = document.createElement("span");
        who.className = "who";
        who.textContent = tag(e.recording);
        li.append(who);
      }
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = e.text.trim();
      li.append(text);
      if (typeof e.latency_ms === "number") li.title = `latency ${Math.round(e.latency_ms)} ms`;
      this.finals.append(li);
      while (this.finals.children.length > 500) this.finals.firstElementChild.remove();
      const shown = this.partials.get(e.recording || "");
      if (shown && shown.utterance === e.utterance) this.partials.delete(e.recording || "");
      this.renderPartials();
    });
  }

  renderPartials() {
    const shown = [...this.partials.entries()].filter(([, p]) => p.text && p.text.trim());
    const several = shown.length > 1;
    const text = shown.map(([id, p]) => (several ? `${tag(id)}: ` : "") + p.text.trim()).join("\n");
    this.partial.textContent = text;
    this.partial.classList.toggle("empty", !text);
  }

  clear() {
    this.finals.replaceChildren();
    this.dividers.clear();
    this.partials.clear();
    this.renderPartials();
  }
}

// A recording's short name: the end of its id ("rec_…3f2a").
function tag(id) {
  return id ? `…${id.slice(-4)}` : "";
}

// ---- the event log ---------------------------------------------------------------------------

const LOG_LIMIT = 300;
const NOISE = new Set(["ack", "pong"]);
const TONE = {
  stt_error: "bad", audio_lost: "bad", error: "bad", buffer_critical: "bad", lagged: "warn",
  buffer_warn: "warn", final_text: "ok", worker_state: "info", recording_started: "info",
  recording_stopped: "info",
};

// A one-line summary of an event's data for the log.
function summary(type, d) {
  switch (type) {
    case "worker_state": return `${d.state}${d.pid ? " pid " + d.pid : ""}${d.reason ? " — " + d.reason : ""}`;
    case "partial_text":
    case "final_text": return `#${d.utterance} “${(d.text || "").trim()}”`;
    case "speech_start":
    case "speech_end": return `#${d.utterance} at ${fmtAudioTime(d.audio_ms)}`;
    case "no_speech": return `at ${fmtAudioTime(d.audio_ms)}`;
    case "recording_started": return `${d.source}${d.input ? " " + d.input : ""}`;
    case "recording_stopped": return `${d.reason} — captured ${fmtNumber(d.frames_captured)}, acked ${fmtNumber(d.frames_acked)}, lost ${fmtNumber(d.frames_lost)}`;
    case "buffer_warn":
    case "buffer_critical": return `occupancy ${fmtPercent(d.occupancy * 100)}`;
    case "stt_error": return `${d.error} — ${d.action}`;
    case "audio_lost": return `${d.frames} frames: ${d.reason}`;
    case "lagged": return `missed ${d.missed} events`;
    case "error": return `${d.code}: ${d.message}`;
    case "ready": return `${d.engine} ${d.model}`;
    case "page": return d.text;
    default: {
      const { type: _ignored, ...rest } = d;
      return JSON.stringify(rest);
    }
  }
}

export class LogView {
  constructor() {
    this.list = $("log");
    this.showNoise = false;
  }

  add(type, data, id) {
    if (!this.showNoise && NOISE.has(type)) return;
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    const li = document.createElement("li");
    li.dataset.tone = TONE[type] || "";
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = new Date().toLocaleTimeString([], { hour12: false });
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = type;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = summary(type, data || {});
    if (id) li.title = `event ${id}`;
    li.append(when, kind, text);
    this.list.append(li);
    while (this.list.children.length > LOG_LIMIT) this.list.firstElementChild.remove();
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  // Something the page itself did or saw (not a daemon event).
  note(text, tone = "") {
    this.add("page", { text }, null);
    this.list.lastElementChild.dataset.tone = tone;
  }
}
