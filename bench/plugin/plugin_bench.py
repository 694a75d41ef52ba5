"""Figures for the plugin benchmark (called by plugin-bench.sh). Standard library only."""
import argparse
import base64
import concurrent.futures
import json
import os
import random
import statistics
import subprocess
import time
import urllib.parse
import urllib.request

CONNECTORS = 50
DAYS = 7


def wait_ping(influx):
    for _ in range(200):
        try:
            urllib.request.urlopen(influx + "/ping", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("influxd did not start")


def post(url, body):
    req = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


def load(influx, end_s):
    """7 days of 1-minute points for 50 connectors: TLS1.2 and TLS1.3 every minute, TLS1.0 every 10 minutes on 10 of them."""
    post(influx + "/query", urllib.parse.urlencode({"q": "CREATE DATABASE mailflow"}).encode())
    rnd = random.Random(42)
    start_s = end_s - DAYS * 86400
    lines, points = [], 0
    t0 = time.perf_counter()
    for c in range(CONNECTORS):
        name = f"Partner{c:02d}" if c % 2 == 0 else f"OnPrem{c:02d}"
        ctype = "Partner" if c % 2 == 0 else "OnPremises"
        direction = "inbound" if c % 3 else "outbound"
        tags = f"connector={name},connector_type={ctype},direction={direction},forced_tls={'true' if c % 5 == 0 else 'false'},source=mx1"
        for minute in range(start_s, end_s, 60):
            n12 = rnd.randint(1, 20)
            n13 = rnd.randint(1, 20)
            lines.append(f"mailflow_messages,{tags},tls=TLS1.2 messages={n12}i,recipients={n12}i,bytes={n12 * 1000}i {minute}")
            lines.append(f"mailflow_messages,{tags},tls=TLS1.3 messages={n13}i,recipients={n13}i,bytes={n13 * 1000}i {minute}")
            if c < 10 and (minute // 60) % 10 == 0:
                lines.append(f"mailflow_messages,{tags},tls=TLS1.0 messages=1i,recipients=1i,bytes=1000i {minute}")
                lines.append(f"mailflow_peers,connector={name},direction={direction},peer=peer{c}.example,source=mx1,tls=TLS1.0 messages=1i,recipients=1i,bytes=1000i,last_seen={minute}i {minute}")
            if len(lines) >= 5000:
                post(influx + "/write?db=mailflow&precision=s", "\n".join(lines).encode())
                points += len(lines)
                lines = []
    if lines:
        post(influx + "/write?db=mailflow&precision=s", "\n".join(lines).encode())
        points += len(lines)
    return points, time.perf_counter() - t0


def rollup(exporter, influx, end_s):
    """The rollup tiers, built from the stored minutes by the real exporter (`mailflow-exporter rollup`)."""
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end_s - DAYS * 86400))
    stop = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end_s + 60))
    t0 = time.perf_counter()
    subprocess.run([exporter, "rollup", "--from", start, "--to", stop, "--influx-url", influx, "--influx-database", "mailflow"],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def handshake_runs(plugin, runs):
    env = dict(os.environ, grafana_plugin_type="datasource", PLUGIN_PROTOCOL_VERSIONS="2")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen([plugin], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = p.stdout.readline()
        times.append((time.perf_counter() - t) * 1000)
        p.terminate()
        p.wait()
        if not line.startswith(b"1|2|tcp|127.0.0.1:"):
            raise SystemExit(f"bad handshake: {line!r}")
    return times


def dashboard(end_ms):
    frm = end_ms - DAYS * 86400 * 1000
    interval = (end_ms - frm) // 1000  # what Grafana sends for a 1000-pixel-wide panel
    models = [
        {"queryType": "summary"},
        {"queryType": "timeseries", "direction": "inbound"},
        {"queryType": "timeseries", "direction": "outbound", "measure": "percent"},
        {"queryType": "connectorReport"},
        {"queryType": "insights"},
        {"queryType": "peers", "limit": 50},
        {"queryType": "connectorTlsShare", "tls": "TLS1.0", "minMessages": 10},
        {"queryType": "connectors"},
        {"queryType": "summary", "connectors": ["Partner00", "Partner02"]},
        {"queryType": "timeseries", "connectorType": "Partner", "tls": "TLS1.0"},
    ]
    return [{"refId": chr(65 + i), "fromMS": frm, "toMS": end_ms, "maxDataPoints": 1000, "intervalMS": interval, "model": m}
            for i, m in enumerate(models)]


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--plugin", required=True)
    a.add_argument("--host", required=True)
    a.add_argument("--decode", required=True)
    a.add_argument("--influx", required=True)
    a.add_argument("--exporter", required=True)
    a.add_argument("--influx-dir", help="influxd's directory: wait for its snapshot before measuring")
    a.add_argument("--runs", type=int, default=20)
    a.add_argument("--repeat", type=int, default=20)
    args = a.parse_args()

    wait_ping(args.influx)
    end_s = int(time.time()) // 60 * 60
    points, seconds = load(args.influx, end_s)
    print(f"data: {points} points ({CONNECTORS} connectors, {DAYS} days, 1-minute) loaded in {seconds:.1f} s")
    print(f"rollup tiers built by mailflow-exporter rollup in {rollup(args.exporter, args.influx, end_s):.1f} s")
    if args.influx_dir:
        subprocess.run(["bash", "-c", f'. "{os.path.dirname(__file__)}/../lib/influxd.sh"; wait_snapshot "{args.influx_dir}"'], check=True)
    print(f"executable: {args.plugin} ({os.path.getsize(args.plugin) / 1e6:.1f} MB)")

    hs = handshake_runs(args.plugin, args.runs)
    print(f"handshake from process start: median {statistics.median(hs):.0f} ms, min {min(hs):.0f} ms, max {max(hs):.0f} ms ({args.runs} runs)")

    queries = dashboard(end_s * 1000)
    script = {
        "executable": args.plugin,
        "settings": {"uid": "bench", "name": "bench", "url": args.influx, "jsonData": {"influxVersion": "1", "database": "mailflow"}, "lastUpdatedMS": 1},
        "queries": queries,
        "repeat": args.repeat,
    }
    out = subprocess.run([args.host], input=json.dumps(script).encode(), capture_output=True, check=True).stdout
    answer = json.loads(out)
    bad = {k: v["error"] for k, v in answer["data"].items() if v["status"] != 200}
    if bad or answer["errors"]:
        raise SystemExit(f"queries failed: {bad} {answer['errors']}")
    ms = answer["queryMs"]  # sorted by the host
    print(f"host handshake (go-plugin client): {answer['handshakeMs']:.0f} ms")
    print(f"dashboard (10 queries in one QueryData): median {statistics.median(ms):.1f} ms, min {ms[0]:.1f} ms, max {ms[-1]:.1f} ms over {len(ms)} refreshes (the first is cold)")
    print(f"plugin peak RSS: {answer['peakRssKB'] / 1024:.1f} MB")

    # The same InfluxQL straight to InfluxDB, for the plugin's own share of the time.
    decoded = json.loads(subprocess.run(["node", args.decode], input=out, capture_output=True, check=True).stdout)
    statements = []
    for ref in sorted(decoded["data"]):
        frames = decoded["data"][ref]["frames"]
        if frames:
            statements.append(json.loads(frames[0]["schemaMetadata"]["meta"])["executedQueryString"].replace(";\n", "; "))

    def run(q):
        return urllib.request.urlopen(args.influx + "/query?" + urllib.parse.urlencode({"db": "mailflow", "epoch": "ns", "q": q}), timeout=60).read()

    direct = []
    with concurrent.futures.ThreadPoolExecutor(len(statements)) as pool:
        for _ in range(args.repeat):
            t = time.perf_counter()
            list(pool.map(run, statements))
            direct.append((time.perf_counter() - t) * 1000)
    print(f"same {len(statements)} InfluxQL answers straight from InfluxDB (concurrent, Python client): median {statistics.median(direct):.1f} ms")


if __name__ == "__main__":
    main()
