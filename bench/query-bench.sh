#!/usr/bin/env bash
# Query benchmark: loads 90 days of per-minute points for 50 connectors into a local influxd (kept in
# ${BENCH_DIR:-/tmp/mailflow-query-bench} so that a second run skips the load), then prints each question's
# latency through the gRPC API (cache off and warm cache) and straight to InfluxDB, and 200 concurrent callers.
# Usage: bench/query-bench.sh [--iterations 60] [--callers 200] [--days 90] [--connectors 50]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/mailflow-query-bench}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
rpc_port=$(free_port)
mkdir -p "$dir"
cat > "$dir/influxdb.conf" <<CONF
reporting-enabled = false
bind-address = "127.0.0.1:$rpc_port"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
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
influxd_pid=$!
trap 'kill -TERM $influxd_pid; wait $influxd_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  kill -0 $influxd_pid 2>/dev/null || { echo "influxd did not start: $(tail -3 "$dir/influxd.log")" >&2; exit 1; }
  curl -sf "http://127.0.0.1:$port/ping" >/dev/null && break
  sleep 0.1
done
# Another server answering on that port would be written to: make sure the one answering is ours.
kill -0 $influxd_pid 2>/dev/null || { echo "influxd exited: $(tail -3 "$dir/influxd.log")" >&2; exit 1; }
dotnet build bench/MailFlow.QueryBench -c Release -v q -nologo | grep -E "error|warn" || true
dotnet bench/MailFlow.QueryBench/bin/Release/net10.0/mailflow-query-bench.dll --influx-url "http://127.0.0.1:$port" "$@"
