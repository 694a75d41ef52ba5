#!/usr/bin/env bash
# The whole `mailflow-exporter report` process (as the README publishes it: Native AOT), pflogsumm and `wc -l`, on
# the same file, in one go: median wall time of RUNS runs each (page cache warm), MB/s, CPU time, peak memory, and
# the ratios. Then the same report over one copy of the file per core, one file at a time and all at once.
# usage: bench/report-bench.sh [LOG] [RUNS=5]
#   LOG  a Postfix log; default: the real corpus of tests/corpus repeated 20 times (about 194 MB) in /tmp
# Environment: MAILFLOW_EXPORTER=<published mailflow-exporter> skips the publish (a couple of minutes).
# pflogsumm is Debian's package: installed here when missing if run as root with apt-get, else skipped (install it
# with `apt-get install pflogsumm`).
set -euo pipefail
cd "$(dirname "$0")/.."
LOG=${1:-}
RUNS=${2:-5}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
WORK=$(mktemp -d /tmp/mailflow-report-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [ -z "$LOG" ]; then
  LOG=/tmp/mailflow-corpus-20x.log
  if [ ! -s "$LOG" ]; then
    for _ in $(seq 20); do xz -dc tests/corpus/postfix/pixelpark-2023-03.mail.log.xz; done >"$LOG.tmp"
    mv "$LOG.tmp" "$LOG"
  fi
fi
[ -s "$LOG" ] || { echo "report-bench.sh: no such log: $LOG" >&2; exit 2; }

EXE=${MAILFLOW_EXPORTER:-}
if [ -z "$EXE" ]; then
  echo "publishing the exporter as the README does (dotnet publish exporter/MailFlow.Exporter -c Release)..." >&2
  dotnet publish exporter/MailFlow.Exporter -c Release -o "$WORK/exporter" -nologo -v:q >&2
  EXE="$WORK/exporter/mailflow-exporter"
fi

if ! command -v pflogsumm >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing pflogsumm (Debian package)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pflogsumm >/dev/null 2>&1 \
      || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pflogsumm >/dev/null; }
  else
    echo "report-bench.sh: pflogsumm is missing and this is not root with apt-get: skipping it (install: apt-get install pflogsumm)" >&2
  fi
fi

SIZE=$(stat -L -c %s "$LOG")
cat "$LOG" >/dev/null # Warm the page cache: every tool reads the file from memory.

# measure NAME CMD...: RUNS runs; appends "NAME median_wall user sys maxrss_kb" to $WORK/results.
measure() {
  local name=$1
  shift
  : >"$WORK/times"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %S %M' -a -o "$WORK/times" "$@" >"$WORK/out.$name" 2>"$WORK/err.$name"
  done
  python3 - "$name" "$WORK/times" >>"$WORK/results" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
median = lambda i: statistics.median(r[i] for r in rows)
print(sys.argv[1], median(0), median(1), median(2), int(max(r[3] for r in rows)), min(r[0] for r in rows), max(r[0] for r in rows))
PY
}

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   file: $LOG, $(python3 -c "print(f'{$SIZE/1e6:.1f}')") MB, $(wc -l <"$LOG") lines; median of $RUNS runs each, page cache warm"
measure report "$EXE" report --parallel 1 --output json "$LOG"
if command -v pflogsumm >/dev/null; then
  measure pflogsumm pflogsumm "$LOG"
fi
measure wc wc -l "$LOG"

# One copy of the file per core (links: the same bytes, several inputs): one at a time, then all at once.
CORES=$(nproc)
for i in $(seq "$CORES"); do ln -s "$(readlink -f "$LOG")" "$WORK/copy-$i.log"; done
measure "report-${CORES}-files-parallel-1" "$EXE" report --parallel 1 --output json "$WORK"/copy-*.log
measure "report-${CORES}-files-parallel-${CORES}" "$EXE" report --parallel "$CORES" --output json "$WORK"/copy-*.log
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$WORK/results" "$SIZE" "$CORES" "$WORK" "$LOAD_AFTER" <<'PY'
import json, sys
size, cores, work, load_after = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = {}
for line in open(sys.argv[1]):
    name, wall, user, sys_, rss, lo, hi = line.split()
    rows[name] = dict(wall=float(wall), cpu=float(user) + float(sys_), rss=int(rss), lo=float(lo), hi=float(hi))
def show(label, name, total):
    r = rows[name]
    print(f"   {label:<34} {r['wall']:7.3f} s wall ({r['lo']:.3f}-{r['hi']:.3f})  {total / r['wall'] / 1e6:7.1f} MB/s"
          f"  {r['cpu']:6.3f} s CPU  {total / r['cpu'] / 1e6 if r['cpu'] else float('inf'):7.1f} MB/s per CPU-second  peak {r['rss'] / 1024:5.1f} MB")
show("mailflow-exporter report (1 core)", "report", size)
if "pflogsumm" in rows:
    show("pflogsumm", "pflogsumm", size)
show("wc -l", "wc", size)
report = json.load(open(f"{work}/out.report"))["input"]
print(f"   report counted {report['records']} messages in {report['lines']} lines")
if "pflogsumm" in rows:
    grand = [l.strip() for l in open(f"{work}/out.pflogsumm") if l.strip().endswith(("received", "delivered"))][:2]
    print(f"   pflogsumm counted {', '.join(grand) or '(no Grand Totals found)'}")
    print(f"   report is {rows['pflogsumm']['wall'] / rows['report']['wall']:.1f}x faster than pflogsumm"
          f" (CPU time: {rows['pflogsumm']['cpu'] / max(rows['report']['cpu'], 0.001):.1f}x)")
print(f"   report takes {rows['report']['wall'] / rows['wc']['wall']:.1f}x the time of wc -l"
      f" (CPU time: {rows['report']['cpu'] / max(rows['wc']['cpu'], 0.001):.1f}x)")
one, many = rows[f"report-{cores}-files-parallel-1"], rows[f"report-{cores}-files-parallel-{cores}"]
print(f"== {cores} copies ({cores * size / 1e6:.0f} MB) as {cores} inputs")
show("--parallel 1", f"report-{cores}-files-parallel-1", cores * size)
show(f"--parallel {cores}", f"report-{cores}-files-parallel-{cores}", cores * size)
print(f"   speed-up with {cores} cores: {one['wall'] / many['wall']:.2f}x (wall; a busy machine has no idle core to give)")
print(f"   load average after: {load_after}")
PY
