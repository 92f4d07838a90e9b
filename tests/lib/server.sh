# Shared by the shell tests: runs the real newsmeta-server on a free loopback
# port and stops it. Source it after setting `work` (a scratch folder).
#   start_server SERVER_BIN [flags...]  sets server_pid, target (HOST:PORT) and
#                                       metrics_url (unless --metrics_port -1)
#   stop_server                         SIGTERM; sets stop_code
#   kill_server                         for EXIT traps
#   fail_with_logs MESSAGE              prints every $work/*.log, exits 1
# A test's `fail` should print "$work/server.log".

server_pid=
target=
metrics_url=

start_server() {
  local bin=$1
  shift
  : >"$work/server.log"
  "$bin" --host 127.0.0.1 --port 0 --metrics_port 0 --drain_delay 200ms \
    --shutdown_grace 5s "$@" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  local port=
  for _ in $(seq 200); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.log")
    [[ -n "$port" ]] && break
    kill -0 "$server_pid" 2>/dev/null || fail "server exited at start"
    sleep 0.1
  done
  [[ -n "$port" ]] || fail "server did not say which port it listens on"
  target="127.0.0.1:$port"
  metrics_url=$(sed -n 's|.*metrics on \(http://127\.0\.0\.1:[0-9]*/metrics\).*|\1|p' \
    "$work/server.log")
}

# Waits until the log says the catalog is served.
wait_serving() {
  for _ in $(seq 300); do
    grep -q "health is SERVING" "$work/server.log" && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "server exited while loading"
    sleep 0.1
  done
  fail "health never became SERVING"
}

stop_server() {
  kill -TERM "$server_pid"
  timeout 20 tail --pid="$server_pid" -f /dev/null || fail "server did not stop"
  stop_code=0
  wait "$server_pid" || stop_code=$?
  server_pid=
}

# Says why the test failed, prints every log in $work, and exits 1 (a
# test's `fail`, when it writes more logs than the server's).
fail_with_logs() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.log; do
    echo "--- $log ---" >&2
    cat "$log" >&2 || true
  done
  exit 1
}

kill_server() {
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null || true
}
