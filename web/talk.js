// talk.js: "Talk", the browser's own microphone as a recording of the daemon.
// getUserMedia → the AudioWorklet in mic-worklet.js (16 kHz s16 mono, 40 ms buffers) → binary
// messages on a WebSocket to /v1/audio/ws. A WebSocket, not a streamed fetch() upload to
// POST /v1/audio: Chromium streams a request body only over HTTP/2 or QUIC
// (ERR_H2_OR_QUIC_REQUIRED) and the daemon speaks HTTP/1.1.
//
// The socket's contract: subprotocol "voice-sidecar.audio.v1" (plus "bearer.<base64url token>"
// when there is a token, since a browser cannot set Authorization on a WebSocket); once open the
// daemon records (source "stream"); the text message {"type":"end"} ends it, and the daemon
// answers with one text message (the recording's snapshot, or {"error", "recording"}) and closes
// with 1000. A recording that cannot start gets {"error", "status"} and a close with 4000+status.

import { bearerProtocol } from "./api.js";

const PROTOCOL = "voice-sidecar.audio.v1";
const FINISH_TIMEOUT_MS = 30000;

export class Talk {
  // onState(state, detail): "starting", "live" ({seconds, peak}), "finishing", "idle" (detail:
  // {snapshot} when it ended well, plus {ended: reason} when the daemon ended it; {error} when
  // it did not end well).
  constructor({ onState }) {
    this.onState = onState;
    this.session = null;
  }

  get active() {
    return this.session !== null;
  }

  async start() {
    if (this.session) return;
    const s = { queue: [], samples: 0, refused: null, answer: null, ending: false };
    this.session = s;
    this.onState("starting");
    try {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        throw new Error("this browser offers no microphone to this page (it needs http://localhost or https)");
      }
      s.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      s.context = new AudioContext();
      await s.context.audioWorklet.addModule("/ui/mic-worklet.js");
      s.node = new AudioWorkletNode(s.context, "mic-downsampler", { numberOfInputs: 1, numberOfOutputs: 0 });
      s.node.port.onmessage = (e) => this.fromWorklet(s, e.data);
      s.socket = this.open(s);
      s.source = s.context.createMediaStreamSource(s.stream);
      s.source.connect(s.node);
      if (s.context.state === "suspended") await s.context.resume();
    } catch (err) {
      this.teardown(s);
      this.onState("idle", { error: err && err.name === "NotAllowedError" ? "the microphone was not allowed" : String(err.message || err) });
    }
  }

  open(s) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const protocols = [PROTOCOL];
    const bearer = bearerProtocol();
    if (bearer) protocols.push(bearer);
    const socket = new WebSocket(scheme + location.host + "/v1/audio/ws", protocols);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      for (const pcm of s.queue) socket.send(pcm);
      s.queue = [];
      if (s.endOnOpen) socket.send(JSON.stringify({ type: "end" }));
      else this.onState("live", { seconds: s.samples / 16000, peak: 0 });
    };
    socket.onmessage = (e) => {
      if (typeof e.data !== "string") return;
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        msg = { error: e.data };
      }
      // A refusal says its HTTP status; anything else is the recording's end: the answer to our
      // "end", or the daemon's word that it ended the recording itself (stopped, overflow).
      if (!s.ending && typeof msg.status === "number") s.refused = msg;
      else s.answer = msg;
    };
    socket.onclose = (e) => this.closed(s, e);
    return socket;
  }

  fromWorklet(s, msg) {
    if (msg.done) {
      if (s.flushed) s.flushed();
      return;
    }
    if (!msg.pcm || s.refused) return;
    s.samples += msg.pcm.byteLength / 2;
    if (s.socket.readyState === WebSocket.OPEN) s.socket.send(msg.pcm);
    else if (s.socket.readyState === WebSocket.CONNECTING) s.queue.push(msg.pcm);
    if (!s.ending && s.socket.readyState === WebSocket.OPEN) {
      this.onState("live", { seconds: s.samples / 16000, peak: msg.peak });
    }
  }

  // Ends the recording: no more audio, the worklet's last samples out, then {"type":"end"}.
  async stop() {
    const s = this.session;
    if (!s || s.ending) return;
    s.ending = true;
    this.onState("finishing");
    for (const track of s.stream.getTracks()) track.stop();
    if (s.source) s.source.disconnect();
    await new Promise((resolve) => {
      s.flushed = resolve;
      s.node.port.postMessage({ type: "flush" });
      setTimeout(resolve, 1000); // a context that no longer runs never answers
    });
    if (s.socket.readyState === WebSocket.OPEN) s.socket.send(JSON.stringify({ type: "end" }));
    else if (s.socket.readyState === WebSocket.CONNECTING) s.endOnOpen = true;
    s.finishTimer = setTimeout(() => s.socket.close(), FINISH_TIMEOUT_MS);
  }

  closed(s, event) {
    if (this.session !== s) return;
    clearTimeout(s.finishTimer);
    this.teardown(s);
    if (s.refused) {
      return this.onState("idle", { error: s.refused.error || `refused (${event.code})` });
    }
    if (s.answer) {
      const rec = s.answer.recording;
      // "Stop recording" (POST /v1/recording/stop) mid-talk is no error for the person who did it.
      if (s.answer.error && rec && rec.reason === "requested") return this.onState("idle", { snapshot: rec, ended: "requested" });
      if (s.answer.error) return this.onState("idle", { error: s.answer.error, snapshot: rec });
      const early = s.ending ? {} : { ended: s.answer.reason || "stopped" };
      return this.onState("idle", { snapshot: s.answer, ...early });
    }
    const why = event.code === 1006 ? "the connection to the daemon was lost" : `the daemon closed the connection (${event.code}${event.reason ? ": " + event.reason : ""})`;
    this.onState("idle", { error: s.ending ? `no answer after "end": ${why}` : why });
  }

  teardown(s) {
    if (this.session === s) this.session = null;
    if (s.stream) for (const track of s.stream.getTracks()) track.stop();
    if (s.source) s.source.disconnect();
    if (s.node) s.node.port.onmessage = null;
    if (s.context && s.context.state !== "closed") s.context.close();
    if (s.socket && s.socket.readyState <= WebSocket.OPEN && !s.ending) s.socket.close();
  }
}
