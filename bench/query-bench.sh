#!/usr/bin/env bash
# Query benchmark: loads 90 days of per-minute points for 50 connectors into a local influxd (kept in
# ${BENCH_DIR:-/tmp/mailflow-query-bench} so that a second run skips the load), then prints each question's
# latency through the gRPC API (cache off and warm cache) and straight to InfluxDB, and 200 concurrent callers.
# The minutes are written directly; the rollup tiers are then built by the exporter's own rollup code.
# Usage: bench/query-bench.sh [--iterations 60] [--callers 200] [--days 90] [--connectors 50]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/mailflow-query-bench}
. bench/lib/influxd.sh
trap stop_influxd EXIT
start_influxd "$dir"
dotnet build bench/MailFlow.QueryBench -c Release -v q -nologo | grep -E "error|warn" || true
dotnet bench/MailFlow.QueryBench/bin/Release/net10.0/mailflow-query-bench.dll --influx-url "$INFLUXD_URL" --load-only "$@"
wait_snapshot "$dir"
dotnet bench/MailFlow.QueryBench/bin/Release/net10.0/mailflow-query-bench.dll --influx-url "$INFLUXD_URL" "$@"
