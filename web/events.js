// events.js: the daemon's event stream (GET /v1/events, server-sent events) read with fetch()
// and a stream reader, because EventSource cannot send an Authorization header. It parses the
// `id:`/`event:`/`data:` lines itself, and when the connection is lost it says so, retries with
// a growing back-off (0.5 s doubling to 10 s) and resumes with Last-Event-ID = the last id seen.

import { Unauthorized, authHeaders } from "./api.js";

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10000;

export class EventFeed {
  // onEvent(type, data, id): one event; onState(state, detail): "connecting", "live",
  // "disconnected" (detail: ms until the next try) or "unauthorized".
  constructor({ onEvent, onState }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastId = null;
    this.retryMs = FIRST_RETRY_MS;
    this.abort = null;
    this.timer = null;
    this.running = false;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    if (this.abort) this.abort.abort();
  }

  async connect() {
    this.onState("connecting");
    const abort = new AbortController();
    this.abort = abort;
    const headers = authHeaders({ Accept: "text/event-stream" });
    if (this.lastId !== null) headers["Last-Event-ID"] = this.lastId;
    try {
      const reply = await fetch("/v1/events", { headers, cache: "no-store", signal: abort.signal });
      if (reply.status === 401) throw new Unauthorized("the event stream needs a token");
      if (!reply.ok || !reply.body) throw new Error(`GET /v1/events answered ${reply.status}`);
      this.onState("live");
      this.retryMs = FIRST_RETRY_MS;
      await this.read(reply.body.getReader());
    } catch (err) {
      if (err instanceof Unauthorized) {
        this.running = false;
        this.onState("unauthorized");
        return;
      }
      // A network error or an aborted read: handled below like the end of the stream.
    }
    if (!this.running || abort.signal.aborted) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.onState("disconnected", wait);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  // Reads the stream to its end, handing over each complete event.
  async read(reader) {
    const decoder = new TextDecoder();
    let pending = "";
    let event = { id: null, type: "", data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split(/\r\n|\r|\n/);
      pending = lines.pop(); // an unfinished line waits for the next chunk
      for (const line of lines) {
        if (line === "") {
          this.dispatch(event);
          event = { id: null, type: "", data: [] };
          continue;
        }
        if (line.startsWith(":")) continue; // a comment
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "id") event.id = value;
        else if (field === "event") event.type = value;
        else if (field === "data") event.data.push(value);
      }
    }
  }

  dispatch(event) {
    if (event.id !== null) this.lastId = event.id;
    if (event.data.length === 0) return;
    let data;
    try {
      data = JSON.parse(event.data.join("\n"));
    } catch {
      data = { text: event.data.join("\n") };
    }
    this.onEvent(event.type || "message", data, event.id);
  }
}
