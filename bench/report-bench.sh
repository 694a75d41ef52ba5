#!/usr/bin/env bash
# The whole `mailflow-exporter report` process (as the README publishes it: Native AOT), pflogsumm and `wc -l`, on
# the same file, in one go: median wall time of RUNS runs each (page cache warm), MB/s, CPU time, peak memory, and
# the ratios; the start-up (report on the file's first 1,000 lines, median of 10); then the same report over one
# copy of the file per core, one file at a time and all at once. On a shared machine trust the CPU times.
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

# measure NAME RUNS CMD...: runs CMD RUNS times (output to $WORK/out.NAME); appends to $WORK/results the median
# wall time, user and system CPU time (from wait4, to the microsecond), the peak resident memory, and the range.
measure() {
  local name=$1 runs=$2
  shift 2
  python3 - "$name" "$runs" "$WORK" "$@" >>"$WORK/results" <<'PY'
import os, statistics, sys, time
name, runs, work, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
rows = []
for _ in range(runs):
    # A child of Python starts as a copy of it and its ru_maxrss keeps that size across exec: the peak memory comes
    # from GNU time (a small C parent) when installed; the CPU times from wait4 (they include what time waited for).
    redirect = [(os.POSIX_SPAWN_OPEN, fd, f"{work}/{kind}.{name}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                for fd, kind in ((1, "out"), (2, "err"))]
    # Not for the start-up: GNU time's own exec would be a tenth of what is measured.
    gnu_time = os.path.exists("/usr/bin/time") and name != "startup"
    argv = ["/usr/bin/time", "-f", "%M", "-o", f"{work}/rss.{name}", *cmd] if gnu_time else cmd
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=redirect)
    _, status, usage = os.wait4(pid, 0)
    rss = int(open(f"{work}/rss.{name}").read().split()[-1]) if gnu_time else 0
    rows.append((time.perf_counter() - start, usage.ru_utime, usage.ru_stime, rss))
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"report-bench.sh: {' '.join(cmd)} failed: {open(f'{work}/err.{name}').read()}")
median = lambda i: statistics.median(r[i] for r in rows)
print(name, median(0), median(1), median(2), max(r[3] for r in rows), min(r[0] for r in rows), max(r[0] for r in rows))
PY
}

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   file: $LOG, $(python3 -c "print(f'{$SIZE/1e6:.1f}')") MB, $(wc -l <"$LOG") lines; median of $RUNS runs each, page cache warm"
head -n 1000 "$LOG" >"$WORK/first-1000.log"
measure startup 10 "$EXE" report --output json "$WORK/first-1000.log"
measure report "$RUNS" "$EXE" report --parallel 1 --output json "$LOG"
if command -v pflogsumm >/dev/null; then
  measure pflogsumm "$RUNS" pflogsumm "$LOG"
fi
measure wc "$RUNS" wc -l "$LOG"

# One copy of the file per core (links: the same bytes, several inputs): one at a time, then all at once.
CORES=$(nproc)
for i in $(seq "$CORES"); do ln -s "$(readlink -f "$LOG")" "$WORK/copy-$i.log"; done
measure "report-${CORES}-files-parallel-1" "$RUNS" "$EXE" report --parallel 1 --output json "$WORK"/copy-*.log
measure "report-${CORES}-files-parallel-${CORES}" "$RUNS" "$EXE" report --parallel "$CORES" --output json "$WORK"/copy-*.log
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$WORK/results" "$SIZE" "$CORES" "$WORK" "$LOAD_AFTER" <<'PY'
import json, sys
size, cores, work, load_after = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = {}
for line in open(sys.argv[1]):
    name, wall, user, sys_, rss, lo, hi = line.split()
    rows[name] = dict(wall=float(wall), cpu=float(user) + float(sys_), rss=int(float(rss)), lo=float(lo), hi=float(hi))
def show(label, name, total):
    r = rows[name]
    print(f"   {label:<34} {r['wall']:7.3f} s wall ({r['lo']:.3f}-{r['hi']:.3f})  {total / r['wall'] / 1e6:7.1f} MB/s"
          f"  {r['cpu']:6.3f} s CPU  {total / r['cpu'] / 1e6 if r['cpu'] else float('inf'):7.1f} MB/s per CPU-second  {peak(r)}")
def peak(r):
    return f"peak {r['rss'] / 1024:5.1f} MB" if r['rss'] else "peak memory: install GNU time (apt-get install time)"
startup = rows["startup"]
print(f"   start-up: report on its first 1,000 lines, median of 10: {startup['wall'] * 1000:.1f} ms wall"
      f" ({startup['lo'] * 1000:.1f}-{startup['hi'] * 1000:.1f}), {startup['cpu'] * 1000:.1f} ms CPU")
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
