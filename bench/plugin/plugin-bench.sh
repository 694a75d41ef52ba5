#!/usr/bin/env bash
# End-to-end benchmark of the Grafana plugin; prints figures:
#   handshake latency from process start (N runs, median), a dashboard's worth of queries (10 queries, 7 days of
#   1-minute data, 50 connectors) through the Grafana-like host, the same InfluxQL sent straight to InfluxDB, and
#   the plugin's peak RSS.
# Usage: bench/plugin/plugin-bench.sh [packaged-plugin-dir]   (default: packages it with build-plugin.sh)
# Env: RUNS (handshake runs, default 20), REPEAT (dashboard refreshes, default 20).
# Needs: influxd (Debian influxdb), go + Debian go-plugin packages (see tests/plugin-host/build.sh), node, python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'kill "$(cat "$work/influxd.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

plugin="${1:-}"
if [ -z "$plugin" ]; then
  "$root/grafana-backend/build-plugin.sh" "$work/pkg"
  plugin="$work/pkg/mailflow-tls-datasource"
fi
"$root/tests/plugin-host/build.sh" "$work/plugin-host"
if [ ! -d "$root/tests/arrow-check/node_modules/apache-arrow" ]; then
  npm ci --no-audit --no-fund --prefix "$root/tests/arrow-check" >&2
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rpc=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/influxd.conf" <<CONF
reporting-enabled = false
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$work/meta"
[data]
  dir = "$work/data"
  wal-dir = "$work/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
[logging]
  level = "warn"
CONF
influxd run -config "$work/influxd.conf" >"$work/influxd.log" 2>&1 &
echo $! >"$work/influxd.pid"

python3 "$here/plugin_bench.py" \
  --plugin "$plugin/gpx_mailflow_linux_amd64" --host "$work/plugin-host" \
  --decode "$root/tests/arrow-check/decode.mjs" --influx "http://127.0.0.1:$port" \
  --runs "${RUNS:-20}" --repeat "${REPEAT:-20}"
