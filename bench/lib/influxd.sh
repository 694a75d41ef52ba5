# Sourced by the bench scripts: a private influxd (Debian's influxdb) on free loopback ports.
#   start_influxd DIR   starts it with every directory under DIR (data kept there), waits for /ping, and sets
#                       INFLUXD_URL and INFLUXD_PID; the caller's EXIT trap should run stop_influxd.
#   wait_snapshot DIR   waits until influxd has moved what was just loaded from its in-memory write cache to TSM
#                       files, as a production server has done for everything but its last minutes: the benches
#                       measure that steady state, not reads of points written a second ago.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_influxd() {
  local dir=$1 port rpc
  port=$(free_port)
  rpc=$(free_port)
  mkdir -p "$dir"
  cat > "$dir/influxdb.conf" <<CONF
reporting-enabled = false
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
  # Default 10m: a bench would otherwise wait 10 minutes after loading for the snapshot a server has long made.
  cache-snapshot-write-cold-duration = "2s"
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
[logging]
  level = "warn"
CONF
  influxd run -config "$dir/influxdb.conf" >"$dir/influxd.log" 2>&1 &
  INFLUXD_PID=$!
  INFLUXD_URL="http://127.0.0.1:$port"
  for _ in $(seq 300); do
    # Another server answering on that port would be written to: make sure ours is alive.
    kill -0 "$INFLUXD_PID" 2>/dev/null || { echo "influxd did not start: $(tail -3 "$dir/influxd.log")" >&2; return 1; }
    curl -sf "$INFLUXD_URL/ping" >/dev/null && return 0
    sleep 0.1
  done
  echo "influxd did not answer $INFLUXD_URL/ping within 30 s" >&2
  return 1
}

stop_influxd() {
  [ -n "${INFLUXD_PID:-}" ] || return 0
  kill -TERM "$INFLUXD_PID" 2>/dev/null || true
  wait "$INFLUXD_PID" 2>/dev/null || true
}

wait_snapshot() {
  local dir=$1
  for _ in $(seq 240); do
    # The WAL segments are removed once their points are in TSM files.
    [ "$(du -sb "$dir/wal" | cut -f1)" -lt 1000000 ] && return 0
    sleep 0.5
  done
  echo "influxd kept its write cache for 2 minutes; measuring anyway" >&2
}
