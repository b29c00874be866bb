# Sourced by the kits' test scripts: `start_attached_server BIN LOG` starts a seeded cckm-mock on
# a free port, as a CI service would run beside a client's tests, and sets `attached_url` to its
# URL (the run fails if it does not start); `stop_attached_server` stops it once the attached tests
# are done. The EXIT trap set here stops it on an early exit; a script that sets its own EXIT trap
# afterwards replaces it, so each script stops the server itself (one was left running per run).
start_attached_server() {
    "$1" serve --port 0 --data :memory: --clock manual --seed 7 --log-level warning >"$2" 2>&1 &
    attached_pid=$!
    trap 'kill $attached_pid 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do grep -q '^listening on ' "$2" && break; sleep 0.1; done
    attached_url=$(sed -n 's/^listening on //p' "$2")
    [ -n "$attached_url" ] || { echo "$(basename "$0"): the server for attached mode did not start: $(cat "$2")"; exit 1; }
}

stop_attached_server() {
    kill "$attached_pid" 2>/dev/null || true
    wait "$attached_pid" 2>/dev/null || true
}
