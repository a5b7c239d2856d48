// mic-worklet.js: the AudioWorkletProcessor "mic-downsampler", run on the browser's audio thread.
// It turns the microphone, at whatever rate the AudioContext runs (usually 48 kHz), into what
// the daemon takes: 16 kHz, mono, signed 16-bit little-endian PCM.
//
//   1. mono: the input's channels are averaged;
//   2. low-pass: a 63-tap windowed-sinc FIR (Blackman window) with its cut-off at 7.2 kHz, so
//      nothing above the new 8 kHz Nyquist limit folds back into the speech band;
//   3. decimation: one output sample every (context rate / 16000) input samples, taken from the
//      filtered signal (linearly interpolated when that ratio is not a whole number, e.g. 44.1 kHz);
//   4. s16: clipped to [-1, 1] and scaled to Int16.
//
// The page gets {pcm: ArrayBuffer (Int16, 40 ms = 640 samples), peak: 0..1} messages, the buffer
// transferred, not copied. {type: "flush"} from the page posts what is left, then {done: true}.

const OUT_RATE = 16000;
const CHUNK = 640; // samples per message: 40 ms at 16 kHz
const HALF = 31; // taps on each side of the centre: 63 in all

// A low-pass FIR with its cut-off at `cutoff` (a fraction of the input rate), unity gain at 0 Hz.
function lowPass(cutoff) {
  const taps = new Float32Array(2 * HALF + 1);
  let sum = 0;
  for (let i = -HALF; i <= HALF; i++) {
    const sinc = i === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * i) / (Math.PI * i);
    const x = i / (HALF + 1);
    const blackman = 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x);
    taps[i + HALF] = sinc * blackman;
    sum += taps[i + HALF];
  }
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  return taps;
}

class MicDownsampler extends AudioWorkletProcessor {
  constructor() {
    super();
    // `sampleRate` is the AudioContext's rate, a global of the worklet scope.
    this.step = sampleRate / OUT_RATE;
    this.taps = lowPass(Math.min(7200 / sampleRate, 0.5)); // 0.5: no filtering when not downsampling
    // Input not yet used, with HALF samples of history before `pos` for the filter.
    this.buf = new Float32Array(8192);
    this.len = HALF; // starts with HALF samples of silence as the filter's history
    this.pos = HALF; // where the next output sample falls, in input samples from buf[0]
    this.out = new Int16Array(CHUNK);
    this.outLen = 0;
    this.peak = 0;
    this.port.onmessage = (e) => {
      if (e.data && e.data.type === "flush") {
        this.post(true);
        this.port.postMessage({ done: true });
      }
    };
  }

  // The filtered signal at input index i (needs HALF samples on each side).
  filtered(i) {
    const { buf, taps } = this;
    let acc = 0;
    for (let k = 0, j = i - HALF; k < taps.length; k++, j++) acc += taps[k] * buf[j];
    return acc;
  }

  append(input) {
    const frames = input[0].length;
    if (this.len + frames > this.buf.length) {
      const bigger = new Float32Array((this.len + frames) * 2);
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    const channels = input.length;
    for (let n = 0; n < frames; n++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += input[c][n];
      this.buf[this.len + n] = s / channels;
    }
    this.len += frames;
  }

  post(partial) {
    if (this.outLen === 0) return;
    if (!partial && this.outLen < CHUNK) return;
    const pcm = this.outLen === CHUNK ? this.out : this.out.slice(0, this.outLen);
    this.port.postMessage({ pcm: pcm.buffer, peak: this.peak }, [pcm.buffer]);
    this.out = new Int16Array(CHUNK);
    this.outLen = 0;
    this.peak = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true; // nothing connected (yet)
    this.append(input);
    while (Math.floor(this.pos) + 1 + HALF < this.len) {
      const i = Math.floor(this.pos);
      const frac = this.pos - i;
      const y0 = this.filtered(i);
      const y = frac === 0 ? y0 : y0 + frac * (this.filtered(i + 1) - y0);
      const clipped = Math.max(-1, Math.min(1, y));
      this.peak = Math.max(this.peak, Math.abs(clipped));
      this.out[this.outLen++] = clipped < 0 ? clipped * 0x8000 : clipped * 0x7fff;
      if (this.outLen === CHUNK) this.post(false);
      this.pos += this.step;
    }
    // Forget what the filter no longer needs.
    const drop = Math.floor(this.pos) - HALF;
    if (drop > 0) {
      this.buf.copyWithin(0, drop, this.len);
      this.len -= drop;
      this.pos -= drop;
    }
    return true;
  }
}

registerProcessor("mic-downsampler", MicDownsampler);
