#!/usr/bin/env bash
# End-to-end benchmark of the Grafana plugin; prints figures:
#   the first load of each provisioned dashboard (Mail flow, Message protected in transit, Connector report: its
#   query variable, then all panels at once, one QueryData per panel as Grafana sends them) from a fresh plugin
#   process, median/min/max over FRESH processes, with the plugin's CPU time and the load average;
#   handshake latency from process start (N runs, median), a dashboard's worth of queries (10 queries, 7 days of
#   1-minute data, 50 connectors) through the Grafana-like host, the same InfluxQL sent straight to InfluxDB, and
#   the plugin's peak RSS.
# Usage: bench/plugin/plugin-bench.sh [packaged-plugin-dir]   (default: packages it with build-plugin.sh)
# Env: RUNS (handshake runs, default 20), REPEAT (dashboard refreshes, default 20), FRESH (fresh processes per
#   dashboard, default 10), ONLY_DASHBOARDS=1 (first loads only), TIMINGS=1 (print the plugin's per-phase timings,
#   MAILFLOW_PLUGIN_TIMINGS=1), COMPARE=<another packaged plugin dir> (A/B: the first loads alternate between the
#   two) with COMPARE_DASHBOARDS=<its dashboards folder> (default: the repository's).
# The minutes are written directly, then `mailflow-exporter rollup` builds the rollup tiers the plugin reads.
# Needs: influxd (Debian influxdb), go + Debian go-plugin packages (see tests/plugin-host/build.sh), node, python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
. "$root/bench/lib/influxd.sh"
trap 'stop_influxd; rm -rf "$work"' EXIT

plugin="${1:-}"
if [ -z "$plugin" ]; then
  "$root/grafana-backend/build-plugin.sh" "$work/pkg"
  plugin="$work/pkg/mailflow-tls-datasource"
fi
"$root/tests/plugin-host/build.sh" "$work/plugin-host"
if [ ! -d "$root/tests/arrow-check/node_modules/apache-arrow" ]; then
  npm ci --no-audit --no-fund --prefix "$root/tests/arrow-check" >&2
fi

dotnet build "$root/exporter/MailFlow.Exporter" -c Release -v q -nologo >&2
start_influxd "$work/influx"

python3 "$here/plugin_bench.py" \
  --plugin "$plugin/gpx_mailflow_linux_amd64" --host "$work/plugin-host" \
  --decode "$root/tests/arrow-check/decode.mjs" --influx "$INFLUXD_URL" \
  --exporter "$root/exporter/MailFlow.Exporter/bin/Release/net10.0/mailflow-exporter" --influx-dir "$work/influx" \
  --runs "${RUNS:-20}" --repeat "${REPEAT:-20}" --fresh "${FRESH:-10}" \
  ${ONLY_DASHBOARDS:+--only-dashboards} ${TIMINGS:+--show-timings} \
  ${COMPARE:+--compare "$COMPARE/gpx_mailflow_linux_amd64"} ${COMPARE_DASHBOARDS:+--compare-dashboards "$COMPARE_DASHBOARDS"}
