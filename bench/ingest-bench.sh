#!/usr/bin/env bash
# End-to-end benchmarks of the InfluxDB path against a local influxd (Debian's influxdb 1.6.7):
#  1. ingest of >= 1 GB of Postfix logs (copies of the real corpus in tests/corpus): parse-only time vs. ingest time;
#  2. run (the daemon) following a file appended at RATE lines/s for SECONDS: does it keep up, line-to-point
#     latency at the end of the stream, peak memory (VmHWM).
# usage: bench/ingest-bench.sh [GB=1.0] [RATE=50000] [SECONDS=20]
set -euo pipefail
cd "$(dirname "$0")/.."
GB=${1:-1.0}; RATE=${2:-50000}; SECONDS_=${3:-20}
WORK=$(mktemp -d /tmp/mailflow-bench.XXXXXX)
. bench/lib/influxd.sh
trap 'kill $RUN_PID 2>/dev/null || true; stop_influxd; rm -rf "$WORK"' EXIT
RUN_PID=
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build exporter/MailFlow.Exporter -c Release -v q -nologo >/dev/null
EXE="dotnet exporter/MailFlow.Exporter/bin/Release/net10.0/mailflow-exporter.dll"

CORPUS=/tmp/mailflow-corpus-pixelpark-2023-03.mail.log
[ -s "$CORPUS" ] || xz -dc tests/corpus/postfix/pixelpark-2023-03.mail.log.xz > "$CORPUS"
SIZE=$(stat -c %s "$CORPUS")
COPIES=$(python3 -c "import math; print(math.ceil($GB * 1e9 / $SIZE))")
mkdir -p "$WORK/logs"
for i in $(seq 1 "$COPIES"); do cp "$CORPUS" "$WORK/logs/mail-$i.log"; done
TOTAL=$(du -sb "$WORK/logs" | cut -f1)

start_influxd "$WORK/influx"
URL=$INFLUXD_URL
q() { curl -s "$URL/query?db=$1" --data-urlencode "q=$2" | python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(r["series"][0]["values"][0][1] if "series" in r else 0)'; }

echo "== ingest: $COPIES copies of the corpus, $(python3 -c "print(f'{$TOTAL/1e9:.2f}')") GB, $(nproc) cores"
t0=$(date +%s.%N); $EXE ingest "$WORK/logs" --parse-only > "$WORK/parse.txt"; t1=$(date +%s.%N)
$EXE ingest "$WORK/logs" --influx-url "$URL" --influx-database bench > "$WORK/ingest.txt" 2>"$WORK/ingest.err"; t2=$(date +%s.%N)
PARSE=$(python3 -c "print(f'{$t1-$t0:.2f}')"); INGEST=$(python3 -c "print(f'{$t2-$t1:.2f}')")
sed 's/^/  parse-only | /' "$WORK/parse.txt"; sed 's/^/  ingest     | /' "$WORK/ingest.txt"
echo "  parse-only wall time ${PARSE} s, ingest wall time ${INGEST} s, ratio ingest/parse-only $(python3 -c "print(f'{$INGEST/$PARSE:.3f}')")"
echo "  InfluxQL sum(messages) = $(q bench 'SELECT sum(messages) FROM mailflow_messages') (corpus: 178 per copy x $COPIES = $((178 * COPIES)))"
echo "  rollup tiers sum(messages): 5m $(q bench 'SELECT sum(messages) FROM mailflow_messages_5m'), 1h $(q bench 'SELECT sum(messages) FROM mailflow_messages_1h'), 1d $(q bench 'SELECT sum(messages) FROM mailflow_messages_1d')"

echo "== run: $RATE lines/s for $SECONDS_ s"
: > "$WORK/live.log"
$EXE run "$WORK/live.log" --format postfix --checkpoint "$WORK/checkpoint.json" --influx-url "$URL" --influx-database live 2>"$WORK/run.err" &
RUN_PID=$!
sleep 2
read -r END WRITTEN ACHIEVED < <(python3 bench/tail-writer.py "$CORPUS" "$WORK/live.log" "$RATE" "$SECONDS_")
# Wait until the total stops changing; the time it last changed, minus the last append, is the end-of-stream lag.
last=-1; changed=$(date +%s.%N); stable=0
while [ $stable -lt 30 ]; do
  now=$(q live 'SELECT sum(messages) FROM mailflow_messages')
  if [ "$now" != "$last" ]; then last=$now; changed=$(date +%s.%N); stable=0; else stable=$((stable+1)); fi
  sleep 0.1
done
HWM=$(grep VmHWM /proc/$RUN_PID/status | awk '{print $2/1024 " MB"}')
kill -TERM $RUN_PID; wait $RUN_PID || true; RUN_PID=
EXPECTED=$($EXE ingest "$WORK/live.log" --format postfix --parse-only | awk '/^records/ {gsub(",","",$2); print $2}')
echo "  appended $WRITTEN lines at $ACHIEVED lines/s; messages in InfluxDB: $last (ingest --parse-only of the same file: $EXPECTED)"
echo "  last point written $(python3 -c "print(f'{max(0.0, $changed-$END):.2f}')") s after the last line was appended (poll step 0.1 s)"
echo "  rollup tiers sum(messages): 5m $(q live 'SELECT sum(messages) FROM mailflow_messages_5m'), 1h $(q live 'SELECT sum(messages) FROM mailflow_messages_1h'), 1d $(q live 'SELECT sum(messages) FROM mailflow_messages_1d')"
echo "  daemon peak memory (VmHWM): $HWM"
